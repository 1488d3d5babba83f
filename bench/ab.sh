#!/usr/bin/env bash
# Compares driftscan binaries on the 100k bench account (after `make bench`): runs them in
# turn, RUNS times each, and prints per binary the medians of `-v`'s phase timings and of
# the wall time, the fastest wall time and the highest peak. Alternating the binaries
# spreads the machine's drift over both; a single run decides nothing.
#
#     bench/ab.sh /tmp/driftscan-before target/debug/driftscan
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DIR=${DIR:-target/bench/100000}
[ $# -ge 1 ] || { echo "usage: bench/ab.sh BINARY [BINARY...]" >&2; exit 2; }
out=$(mktemp -d)
for _ in $(seq "$RUNS"); do
  for bin in "$@"; do
    /usr/bin/time -f "TIME %e %M" "$bin" scan --snapshot "$DIR/drifted.json" --baselines "$DIR/baselines" \
      --sarif "$out/r.sarif" --json "$out/r.json" -o /dev/null -v --color never 2>&1 >/dev/null \
      | awk -v bin="$bin" '/scan timings/ {for (i = 1; i <= NF; i++) if ($i ~ /_ms=/) {split($i, kv, "="); t[kv[1]] = kv[2]}}
                           /^TIME/ {print bin, t["load_ms"], t["baselines_and_diff_ms"], t["rules_and_exceptions_ms"], t["total_ms"], $2, $3}' \
      || true  # a scan with findings exits 1
  done
done | python3 -c '
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in sys.stdin:
    bin, *figures = line.split()
    runs[bin].append([float(f) for f in figures])
print("%-40s %6s %6s %6s %6s %6s %6s %9s" % ("binary", "load", "diff", "rules", "total", "wall", "min", "peak MiB"))
for bin, rows in runs.items():
    cols = list(zip(*rows))
    med = [statistics.median(c) for c in cols[:5]]
    print(f"{bin:<40} {med[0]:>6.0f} {med[1]:>6.0f} {med[2]:>6.0f} {med[3]:>6.0f} {med[4]:>6.2f} {min(cols[4]):>6.2f} {max(cols[5]) / 1024:>9.0f}")
print(f"medians of {len(rows)} runs each; phases in ms (-v), wall in s")
'
rm -rf "$out"
