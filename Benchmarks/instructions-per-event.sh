#!/bin/bash
# Instructions per event of herald-bench's two paths, independent of the clock:
# callgrind counts the pre-parsed loop (Runtime.process(event:…)) and the NDJSON
# loop (NDJSONWriter.process(line:…)) with --passes 1 and --passes 2; the
# difference is one pass over the 20,000 events, without setup.
#
# Usage: Benchmarks/instructions-per-event.sh HERALD_BENCH WORKLOAD RULES [LABEL]
#   e.g. Benchmarks/instructions-per-event.sh .build/release/herald-bench moving 10
# Needs valgrind. Prints: LABEL WORKLOAD RULES PATH p1=… p2=… per=INSTRUCTIONS
set -euo pipefail
BIN=$1; W=$2; R=$3; LABEL=${4:-run}
PRE='$s13HeraldRuntime0B0V7process5event5state7explain10lineNumber4intoyAA11ParsedEventV_AA0B5StateVzSbSiSgSayAA14DecisionRecordVGztF'
ND='$s13HeraldRuntime12NDJSONWriterV7process4line0E6Number7runtime5state7explainySW_SiAA0B0VAA0B5StateVzSbtF'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for kind in PRE ND; do
  sym=${!kind}
  declare -A total
  for p in 1 2; do
    out="$work/$kind-$p.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$sym" "$BIN" --workload "$W" --passes "$p" "$R" >/dev/null 2>&1
    total[$p]=$(callgrind_annotate "$out" 2>/dev/null | grep "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}')
  done
  echo "$LABEL $W $R $kind p1=${total[1]} p2=${total[2]} per=$(( (total[2] - total[1]) / 20000 ))"
done
