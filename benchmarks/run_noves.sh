#!/bin/sh
# The JAIR 2022 crafted variants (jair2022/noves, d = 2), 2 workers, LIMIT seconds each
# (default 60: the target of issue #3).
# Usage: benchmarks/run_noves.sh [B2B_DIR] [GLOB]   (default GLOB: all non-original files)
# OUT=FILE writes the rows elsewhere (default results/b2b-noves.jsonl, replaced).
set -e
B2B=${1:-../shared/benchmarks/b2b}
GLOB=${2:-*.[fp]*.dzn}
LIMIT=${LIMIT:-60}
OUT=${OUT:-benchmarks/results/b2b-noves.jsonl}
rm -f "$OUT"
.venv/bin/python -m scheduling bench --dzn $B2B/jair2022/noves/$GLOB \
  --published "$B2B/jair2022/reported_results_jair2022.csv" \
  --time-limit "$LIMIT" --workers 2 --output "$OUT"
