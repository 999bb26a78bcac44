#!/usr/bin/env bash
# Runs every micro benchmark binary in a release build and stores the results with a machine
# description under bench/results/.
set -euo pipefail
build=${1:-build/release}
out=bench/results
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
{
  echo "date: $stamp"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "kernel: $(uname -r)"
  echo "compiler: $(c++ --version | head -1)"
} > "$out/machine-$stamp.txt"
# Benchmarks live in per-area folders (bench/db/db_bench, bench/nexmark/...).
for b in $(find "$build/bench" -type f -name "*_bench" -perm -u+x | sort); do
  name=$(basename "$b")
  echo "== $name"
  "$b" --benchmark_min_time=0.2 --benchmark_out="$out/$name-$stamp.json" \
       --benchmark_out_format=json
done
# A short Nexmark run (all queries, hand-written baselines, JSON) — see bench/nexmark/queries.
laminardb="$build/tools/laminardb/laminardb"
if [ -x "$laminardb" ]; then
  echo "== nexmark"
  "$laminardb" bench nexmark --query all --events 200000 --json > "$out/nexmark-$stamp.json"
fi
