#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, with AddressSanitizer and
# UndefinedBehaviorSanitizer) from the plain C++ core and runs each for a
# bounded time (MF_FUZZ_SECONDS, default 20) from its committed corpus
# (tests/fuzz/corpus/NAME); new inputs go to a scratch copy. TAP output.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/tests/lib/tap.sh"
seconds=${MF_FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cxx=$(command -v clang++ || command -v clang++-14 || true)
if [[ -z $cxx ]]; then
  ok 1 "clang++ is installed (scripts/dev installs it)"; done_testing; exit 1
fi
core=("$root"/extension/core/*.cpp)
for target in cron text; do
  "$cxx" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$root/extension" "$here/${target}_fuzzer.cpp" "${core[@]}" -lsodium -o "$work/$target" \
    >"$work/$target.build.log" 2>&1
  ok $? "$target fuzzer builds (libFuzzer + ASan + UBSan)" || sed 's/^/#   /' "$work/$target.build.log" | head -20
  cp -r "$here/corpus/$target" "$work/corpus-$target"
  "$work/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "$work/corpus-$target" >"$work/$target.log" 2>&1
  ok $? "$target fuzzer: ${seconds}s, no crash, leak or undefined behaviour"
  diag "$target: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$target.log" | grep -Eo '[0-9]+') inputs run," \
       "corpus $(ls "$work/corpus-$target" | wc -l) inputs"
  grep -E 'ERROR|SUMMARY|runtime error' "$work/$target.log" | head -5 | sed 's/^/#   /'
done
done_testing
