#!/bin/sh
# Synthetic Business Days (seed 0): 30 s below 1,000 participants, 60 s at 1,600, 120 s at
# 3,600; greedy on the same instance; then 5 % of participants cancel and the event is
# re-solved with `previous`. Sizes run in increasing order (peak RSS is per process).
# OUT=FILE writes the rows elsewhere (default results/synthetic.jsonl, replaced).
set -e
OUT=${OUT:-benchmarks/results/synthetic.jsonl}
rm -f "$OUT"
for n in ${*:-160 600 1600 3600}; do
  .venv/bin/python -m scheduling bench --synthetic "$n" --workers 2 --cancel 0.05 --output "$OUT"
done
