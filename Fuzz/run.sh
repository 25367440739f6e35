#!/usr/bin/env bash
# Runs every Herald fuzz target for a bounded time (docs/fuzzing.md).
#
#   Fuzz/run.sh SECONDS      SECONDS in total, split evenly between the targets
#                            (the build before it is not counted)
#
# Builds the targets first (Fuzz/Package.swift, `-sanitize=fuzzer,address`,
# scratch path .build-fuzz at the repository root), then runs each on its
# seeds in Fuzz/Corpus/<target> plus what earlier runs found
# (.build-fuzz/corpus/<target>). A crash, an AddressSanitizer report, a timeout of one input
# (10 s) or a run past 2 GB fails the script; the input is kept in
# .build-fuzz/artifacts/<target>/ and its path printed. Exit 0 when every
# target ran clean.
set -euo pipefail

total=${1:?usage: Fuzz/run.sh SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.build-fuzz"
export PATH="/opt/swift/usr/bin:$PATH"
targets=(fuzz-event-json fuzz-yaml fuzz-languages fuzz-test-file fuzz-bundle)

echo "building ${#targets[@]} fuzz targets (scratch path $scratch)…" >&2
# The main package is a path dependency here: SwiftPM does not always notice
# files added to it since the last build of this scratch path, and builds
# from its stale plan. Dropping the plan makes it plan again (the compiled
# objects stay; only what changed is rebuilt).
rm -f "$scratch/debug.yaml" "$scratch/debug/description.json"
(cd "$root/Fuzz" && swift build --scratch-path "$scratch" -c debug \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld >&2)
bin="$scratch/debug"

each=$(( total / ${#targets[@]} ))
(( each >= 1 )) || each=1
status=0
cd "$root"
export HERALD_FUZZ_RULES="$root/Rules"
# Leak checks are off: at exit LeakSanitizer reports allocations made while
# building the statics the targets keep (the example rule set, a field
# scope), which stay reachable for the whole run; most likely Swift keeps
# those references where LSan does not look (e.g. spare bits of enum
# payloads). Not investigated further: leaks are not what these targets hunt.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    dict=()
    [[ -f "Fuzz/Dictionaries/$target.dict" ]] && dict=(-dict="Fuzz/Dictionaries/$target.dict")
    echo "== $target: ${each}s" >&2
    if ! "$bin/$target" "$corpus" "Fuzz/Corpus/$target" "${dict[@]}" \
        -max_total_time="$each" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 2> "$scratch/$target.log"; then
        status=1
        echo "FAILED: $target (log: $scratch/$target.log)" >&2
        grep -E 'ERROR|Test unit written|SUMMARY' "$scratch/$target.log" >&2 || tail -20 "$scratch/$target.log" >&2
    else
        grep -E '^stat::number_of_executed_units|^Done' "$scratch/$target.log" | tr '\n' ' ' >&2; echo >&2
    fi
done
exit $status
