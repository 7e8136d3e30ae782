#!/usr/bin/env bash
# run_isolation.sh OUTPUT_DIR: the isolation specs (tests/isolation/specs)
# through PGXS's installcheck, against the cluster named by PGHOST/PGPORT.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
status=0
make -s -C "$here" -f Makefile.pgxs installcheck ISOLATION_OUTPUT="$1" || status=$?
if (( status != 0 )) && [[ -f $1/regression.diffs ]]; then cat "$1/regression.diffs"; fi
exit $status
