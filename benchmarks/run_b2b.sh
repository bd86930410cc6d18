#!/bin/sh
# The 20 original B2B instances (d = 2), 30 s each, 2 workers; rows also go to results/.
# Usage: benchmarks/run_b2b.sh [B2B_DIR]   (default: ../shared/benchmarks/b2b)
# OUT=FILE writes the rows elsewhere (default results/b2b-originals.jsonl, replaced).
set -e
B2B=${1:-../shared/benchmarks/b2b}
OUT=${OUT:-benchmarks/results/b2b-originals.jsonl}
rm -f "$OUT"
.venv/bin/python -m scheduling bench --dzn "$B2B/b2bsat/dzn" \
  --published "$B2B/jair2022/reported_results_jair2022.csv" \
  --time-limit 30 --workers 2 --output "$OUT"
