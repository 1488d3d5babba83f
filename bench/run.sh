#!/usr/bin/env bash
# `make bench`: scan synthetic accounts of 1k, 10k and 100k resources and print, per size,
# wall time and peak memory of `driftscan scan --snapshot` (load + diff + all rules + SARIF +
# JSON), rule evaluations per second, the rayon speed-up over one thread, and the growth
# between sizes. Figures only: nothing here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/driftscan}
FLOOR=${FLOOR:-target/debug/examples/parse_floor}
SIZES=${SIZES:-"1000 10000 100000"}
RUNS=${RUNS:-3}
OUT=target/bench
mkdir -p "$OUT"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# One timed scan: prints "wall_s peak_kb evaluations".
scan_once() {
  local dir=$1 threads=$2
  local log; log=$(mktemp)
  RAYON_NUM_THREADS=$threads /usr/bin/time -f "TIME %e %M" "$BIN" scan --snapshot "$dir/drifted.json" \
    --baselines "$dir/baselines" --sarif "$dir/r.sarif" --json "$dir/r.json" -o /dev/null -v --color never \
    >/dev/null 2>"$log" || true
  local wall peak evals
  wall=$(awk '/^TIME/ {print $2}' "$log"); peak=$(awk '/^TIME/ {print $3}' "$log")
  evals=$(grep -o 'rule_evaluations=[0-9]*' "$log" | cut -d= -f2)
  rm -f "$log"
  echo "$wall $peak $evals"
}

printf '%-9s %9s %10s %12s %14s %10s %8s %10s %7s\n' resources "wall (s)" "peak (MiB)" "1 thread (s)" "evals/s" speed-up growth "floor (s)" "/floor"
prev_wall=""
for n in $SIZES; do
  dir=$OUT/$n
  if [ ! -f "$dir/drifted.json" ]; then
    python3 bench/synth.py --resources "$n" --out "$dir" >/dev/null
  fi
  if [ ! -d "$dir/baselines" ]; then
    "$BIN" baseline init --snapshot "$dir/base.json" --baselines "$dir/baselines" >/dev/null
  fi
  walls=(); peaks=(); singles=()
  for _ in $(seq "$RUNS"); do
    read -r w p e < <(scan_once "$dir" "$(nproc)"); walls+=("$w"); peaks+=("$p"); evals=$e
    read -r w1 _ _ < <(scan_once "$dir" 1); singles+=("$w1")
  done
  # The parse floor: serde_json reading the same snapshot and baseline files, nothing else.
  floor=$(for _ in $(seq "$RUNS"); do "$FLOOR" "$dir/drifted.json" "$dir"/baselines/*/*.json | cut -d' ' -f1; done | median)
  wall=$(printf '%s\n' "${walls[@]}" | median)
  single=$(printf '%s\n' "${singles[@]}" | median)
  peak=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
  growth="-"
  [ -n "$prev_wall" ] && growth=$(awk -v a="$wall" -v b="$prev_wall" 'BEGIN {printf "%.1fx", a/b}')
  awk -v n="$n" -v w="$wall" -v p="$peak" -v s="$single" -v e="$evals" -v g="$growth" -v f="$floor" \
    'BEGIN {printf "%-9s %9.2f %10.0f %12.2f %14.0f %9.2fx %8s %10.3f %6.1fx\n", n, w, p/1024, s, e/w, s/w, g, f, w/f}'
  prev_wall=$wall
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); binary: $BIN (dev profile: dependencies at opt-level 2, the scan crates at 3); median of $RUNS runs"
