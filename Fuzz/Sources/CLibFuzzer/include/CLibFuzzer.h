// libFuzzer's driver entry point (compiler-rt, linked by -sanitize=fuzzer).
// SwiftPM gives each executable an entry point of its own (MODULE_main),
// so the targets call the driver from there instead of using libFuzzer's main.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
