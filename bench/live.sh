#!/usr/bin/env bash
# `make bench-live`: seed moto with 1,000 users, 200 roles, 300 buckets, 50 DB instances,
# 20 tables and 30 keys (SCALE=0.1 for a tenth), then time `driftscan snapshot` and print
# the API calls per service next to the minimum the data needs. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/driftscan}
SCALE=${SCALE:-1.0}
RUNS=${RUNS:-3}
PY=.venv/bin/python
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
MOTO_IAM_LOAD_MANAGED_POLICIES=true .venv/bin/moto_server -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null' EXIT
until (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; do sleep 0.2; done

start=$(date +%s.%N)
$PY fixtures/moto/seed.py --endpoint "$URL" bulk --scale "$SCALE"
echo "seeded moto at scale $SCALE in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", e-s}') s"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
OUT=$(mktemp -d)
walls=()
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "TIME %e %M" "$BIN" snapshot -o "$OUT/s.json" --endpoint-url "$URL" --region us-east-1 -v --color never 2>"$OUT/log" || true
  walls+=("$(awk '/^TIME/ {print $2}' "$OUT/log")")
done
calls=$(grep -o 'calls=[^ ]*\( [a-z0-9]*=[0-9]*\)*' "$OUT/log" | head -1 | sed 's/^calls=//')
echo "driftscan snapshot wall times (s): ${walls[*]}; peak $(awk '/^TIME/ {printf "%.0f MiB", $3/1024}' "$OUT/log")"
echo "API calls made per service (+1 sts:GetCallerIdentity): $calls"
$PY - "$OUT/s.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))
iam, regions = s["iam"], len(s["meta"]["regions"])
holders = sum(1 for u in iam["users"].values() if u["access_keys"])
managed = sum(1 for p in iam["policies"].values() if p["aws_managed"])
buckets = len(s["s3"]["buckets"])
manual = sum(1 for x in s["rds"]["snapshots"].values() if x["snapshot_type"] == "manual")
tables, keys = len(s["dynamodb"]["tables"]), len(s["kms"]["keys"])
minimum = {
    # one authorization-details page per 1,000 entities (moto: one page), credential report (generate + get),
    # summary, password policy, virtual MFA devices, ListAccessKeys per key holder, GetPolicy + version per AWS-managed policy
    "iam": 6 + holders + 2 * managed,
    # ListBuckets + account block + 9 settings per bucket
    "s3": 2 + 9 * buckets,
    # instances, clusters, snapshots, cluster snapshots per region + restore attribute per manual snapshot
    "rds": 4 * regions + manual,
    # ListTables per region + DescribeTable and DescribeContinuousBackups per table
    "dynamodb": regions + 2 * tables,
    # ListKeys, ListAliases per region + DescribeKey, GetKeyPolicy, GetKeyRotationStatus, ListGrants per key
    "kms": 2 * regions + 4 * keys,
    "config": 2 * regions,
}
print("minimum calls for this data:", " ".join(f"{k}={v}" for k, v in minimum.items()), f"(total {sum(minimum.values())})")
print(f"resources: {len(iam['users'])} users, {len(iam['roles'])} roles, {buckets} buckets, {len(s['rds']['instances'])} DB instances, {tables} tables, {keys} keys")
PYEOF
rm -rf "$OUT"
