#!/usr/bin/env bash
# `make bench-evidence`: 365 days of daily reports of 100 accounts (36,500 files, every 5th
# gzipped; bench/evidence_gen.py), then the wall time and peak memory of
# `driftscan evidence build` over them and of `evidence verify`. Figures only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/driftscan}
PYTHON=${PYTHON:-python3}
ACCOUNTS=${ACCOUNTS:-100}
DAYS=${DAYS:-365}
OUT=target/bench-evidence
rm -rf "$OUT" && mkdir -p "$OUT"
echo "generating $DAYS days x $ACCOUNTS accounts of reports in $OUT/reports ..."
"$PYTHON" bench/evidence_gen.py bench --reports "$OUT/reports" --repo "$OUT/repo" --accounts "$ACCOUNTS" --days "$DAYS"
files=$(find "$OUT/reports" -type f | wc -l)
size=$(du -sh "$OUT/reports" | cut -f1)
to=$(date -u -d "2026-01-01 + $((DAYS - 1)) days" +%F)
/usr/bin/time -f "TIME %e %M" "$BIN" evidence build --reports "$OUT/reports" --from 2026-01-01 --to "$to" \
  --baselines "$OUT/repo/baselines" -o "$OUT/evidence" 2>"$OUT/build.log"
build=$(awk '/^TIME/ {print $2, int($3/1024)}' "$OUT/build.log")
/usr/bin/time -f "TIME %e %M" "$BIN" evidence verify "$OUT/evidence" >/dev/null 2>"$OUT/verify.log"
verify=$(awk '/^TIME/ {print $2, int($3/1024)}' "$OUT/verify.log")
grep '^wrote' "$OUT/build.log"
echo "reports: $files files, $size on disk"
echo "evidence build: ${build% *} s wall, ${build#* } MiB peak"
echo "evidence verify: ${verify% *} s wall, ${verify#* } MiB peak"
