#!/usr/bin/env bash
# `make bench-live`: seed moto with 1,000 users, 200 roles, 300 buckets, 50 DB instances,
# 20 tables, 30 keys, 100 EBS volumes with 50 snapshots, 10 EFS file systems and 5 Redshift
# clusters (SCALE=0.1 for a tenth), then time `driftscan snapshot` and print
# the API calls per service next to the minimum the data needs. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/driftscan}
SCALE=${SCALE:-1.0}
RUNS=${RUNS:-3}
PY=.venv/bin/python
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
MOTO_IAM_LOAD_MANAGED_POLICIES=true $PY fixtures/moto/server.py -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
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
pages = lambda n, size: max(1, -(-n // size))  # pages of a listing per region (one region here)
volumes, snapshots = len(s["ec2"]["volumes"]), len(s["ec2"]["snapshots"])
file_systems, clusters = len(s["efs"]["file_systems"]), s["redshift"]["clusters"].values()
groups = len({c["parameter_group"] for c in clusters})
trails = len(s["cloudtrail"]["trails"])
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
    # EBS defaults (2), volumes and own snapshots (1,000 a page) per region + createVolumePermission per snapshot
    "ec2": 2 * regions + pages(volumes, 1000) + pages(snapshots, 1000) + snapshots,
    # DescribeFileSystems per region (100 a page) + file system policy and backup policy per file system
    "efs": pages(file_systems, 100) + 2 * file_systems,
    # DescribeClusters per region (100 a page) + logging status per cluster + parameters per distinct group
    # (one page of 100: moto's groups, like AWS's defaults, have fewer)
    "redshift": pages(len(clusters), 100) + len(clusters) + groups,
    # DescribeTrails per region + GetTrailStatus per own trail
    "cloudtrail": regions + trails,
}
print("minimum calls for this data:", " ".join(f"{k}={v}" for k, v in minimum.items()), f"(total {sum(minimum.values())})")
print(f"resources: {len(iam['users'])} users, {len(iam['roles'])} roles, {buckets} buckets, {len(s['rds']['instances'])} DB instances, {tables} tables, {keys} keys, "
      f"{volumes} volumes, {snapshots} EBS snapshots, {file_systems} file systems, {len(clusters)} Redshift clusters, {trails} trails")
PYEOF
rm -rf "$OUT"
