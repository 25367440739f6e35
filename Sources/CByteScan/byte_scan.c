// The scans are static inline functions in include/byte_scan.h; SwiftPM
// needs one source file to build the target.
#include "byte_scan.h"
