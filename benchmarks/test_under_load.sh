#!/usr/bin/env bash
# `make test` N times in a row, each in a fresh clone of one commit, with the load average
# sampled every 30 s. Start the heavy jobs that make the load yourself, beside it, e.g.
#   make mutation MUTATION_ARGS="-j 2 --no-mutmut --no-report" &
#   benchmarks/test_under_load.sh HEAD 3 /tmp/load
# Each run appends one line to <out>/summary.log: rc, seconds, mean and min load, and what
# `git status --short` shows afterwards (nothing, if `make test` left the tree clean).
set -uo pipefail
rev=$(git rev-parse --short "${1:-HEAD}")
runs=${2:-3}
out=${3:-/tmp/test-under-load}
repo=$(git rev-parse --show-toplevel)
mkdir -p "$out"
for i in $(seq "$runs"); do
  dir=$(mktemp -d)
  git clone -q "$repo" "$dir" && git -C "$dir" checkout -q "$rev"
  ( while true; do echo "$(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done ) > "$out/load$i.log" &
  sampler=$!
  start=$(date +%s)
  (cd "$dir" && make test) > "$out/test$i.log" 2>&1
  rc=$?
  kill "$sampler"
  load=$(awk '{s += $2; n++; if (n == 1 || $2 < m) m = $2} END {printf "mean load1 %.2f, min %.2f, %d samples", s / n, m, n}' "$out/load$i.log")
  echo "run $i of $rev: rc=$rc seconds=$(( $(date +%s) - start )) $load; status: [$(git -C "$dir" status --short | tr '\n' ' ')]" >> "$out/summary.log"
  rm -rf "$dir"
done
cat "$out/summary.log"
