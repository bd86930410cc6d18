#!/bin/sh
# The JAIR 2022 crafted variants (jair2022/noves, d = 2), 30 s each, 2 workers.
# Usage: benchmarks/run_noves.sh [B2B_DIR] [GLOB]   (default GLOB: all non-original files)
set -e
B2B=${1:-../shared/benchmarks/b2b}
GLOB=${2:-*.[fp]*.dzn}
OUT=benchmarks/results/b2b-noves.jsonl
rm -f "$OUT"
.venv/bin/python -m scheduling bench --dzn $B2B/jair2022/noves/$GLOB \
  --published "$B2B/jair2022/reported_results_jair2022.csv" \
  --time-limit 30 --workers 2 --output "$OUT"
