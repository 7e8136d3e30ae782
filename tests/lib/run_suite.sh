#!/usr/bin/env bash
# run_suite.sh NAME FORMAT -- COMMAND...
# Runs one test suite, keeps its log, and writes "PASSED FAILED" (individual
# test counts, parsed from the runner's own summary) to
# $MF_RESULTS_DIR/NAME.counts for the summary line of `scripts/dev test`.
# FORMAT: gtest | tap (prove, pg_prove) | isolation (pg_isolation_regress).
set -uo pipefail
name=$1 format=$2
shift 2
[[ ${1:-} == -- ]] && shift
results=${MF_RESULTS_DIR:-build/test-results}
mkdir -p "$results"
log=$results/$name.log

"$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

passed=0 failed=0
case $format in
  gtest)
    passed=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) tests\?\..*/\1/p' "$log" | tail -1)
    failed=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) tests\?, listed below.*/\1/p' "$log" | tail -1)
    ;;
  tap)
    total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$log" | tail -1)
    failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    passed=$(( ${total:-0} - failed ))
    ;;
  isolation)
    if line=$(grep -Eo 'All [0-9]+ tests passed' "$log"); then
      passed=$(grep -Eo '[0-9]+' <<<"$line" | head -1)
    elif line=$(grep -Eo '[0-9]+ of [0-9]+ tests failed' "$log"); then
      failed=$(awk '{print $1}' <<<"$line"); passed=$(( $(awk '{print $3}' <<<"$line") - failed ))
    fi
    ;;
esac
passed=${passed:-0} failed=${failed:-0}
# A runner that died before its summary still counts as a failure.
if (( rc != 0 && failed == 0 )); then failed=1; fi
echo "$passed $failed" >"$results/$name.counts"
exit "$rc"
