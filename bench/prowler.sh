#!/usr/bin/env bash
# `make bench-prowler`: Prowler 5 and driftscan against the same moto account (the bulk
# seed of bench/live.sh), RUNS times each; prints the median wall times, their ratio and
# the failing findings of both per driftscan category. Prowler runs the checks that match
# driftscan's rules. Not part of `make test`. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/driftscan}
SCALE=${SCALE:-1.0}
RUNS=${RUNS:-3}
PY=.venv/bin/python
PROWLER=.venv-prowler/bin/prowler
CHECKS="iam_root_mfa_enabled iam_root_hardware_mfa_enabled iam_no_root_access_key iam_user_mfa_enabled_console_access
iam_password_policy_minimum_length_14 iam_user_two_active_access_key iam_rotate_access_key_90_days
iam_aws_attached_policy_no_administrative_privileges iam_customer_attached_policy_no_administrative_privileges
iam_inline_policy_no_administrative_privileges iam_policy_allows_privilege_escalation s3_bucket_default_encryption
s3_bucket_secure_transport_policy s3_bucket_public_access s3_account_level_public_access_blocks
rds_instance_storage_encrypted rds_instance_no_public_access rds_snapshots_public_access
dynamodb_tables_kms_cmk_encryption_enabled dynamodb_tables_pitr_enabled kms_cmk_rotation_enabled kms_key_not_publicly_accessible"

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
MOTO_IAM_LOAD_MANAGED_POLICIES=true $PY fixtures/moto/server.py -H 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
MOTO=$!
trap 'kill $MOTO 2>/dev/null' EXIT
until (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null; do sleep 0.2; done
$PY fixtures/moto/seed.py --endpoint "$URL" bulk --scale "$SCALE"
$PY fixtures/moto/seed.py --endpoint "$URL" baseline
$PY fixtures/moto/seed.py --endpoint "$URL" drift

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
OUT=$(mktemp -d)
now() { date +%s.%N; }
d_walls=(); p_walls=()
for i in $(seq "$RUNS"); do
  s=$(now); "$BIN" scan --no-baseline --endpoint-url "$URL" --region us-east-1 --json "$OUT/driftscan.json" -q -o /dev/null || true
  d_walls+=("$(awk -v s="$s" -v e="$(now)" 'BEGIN {print e-s}')")
  rm -rf "$OUT/prowler"
  s=$(now)
  # shellcheck disable=SC2086
  AWS_ENDPOINT_URL=$URL "$PROWLER" aws -f us-east-1 --checks $CHECKS \
    --output-formats json-ocsf --output-directory "$OUT/prowler" --no-banner --ignore-exit-code-3 >/dev/null 2>&1 || true
  p_walls+=("$(awk -v s="$s" -v e="$(now)" 'BEGIN {print e-s}')")
done
$PY - "$OUT" "${d_walls[*]}" "${p_walls[*]}" <<'PYEOF'
import glob, json, statistics, sys
out, d, p = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
category = {  # Prowler check -> driftscan category
    "iam_root_mfa_enabled": "mfa-gap", "iam_root_hardware_mfa_enabled": "mfa-gap", "iam_no_root_access_key": "mfa-gap",
    "iam_user_mfa_enabled_console_access": "mfa-gap", "iam_password_policy_minimum_length_14": "mfa-gap",
    "iam_user_two_active_access_key": "privilege-creep", "iam_rotate_access_key_90_days": "privilege-creep",
    "iam_aws_attached_policy_no_administrative_privileges": "privilege-creep",
    "iam_customer_attached_policy_no_administrative_privileges": "privilege-creep",
    "iam_inline_policy_no_administrative_privileges": "privilege-creep", "iam_policy_allows_privilege_escalation": "privilege-creep",
    "s3_bucket_default_encryption": "encryption-drift", "s3_bucket_secure_transport_policy": "encryption-drift",
    "rds_instance_storage_encrypted": "encryption-drift", "dynamodb_tables_kms_cmk_encryption_enabled": "encryption-drift",
    "kms_cmk_rotation_enabled": "encryption-drift", "dynamodb_tables_pitr_enabled": "config-drift",
    "s3_bucket_public_access": "public-exposure", "s3_account_level_public_access_blocks": "public-exposure",
    "rds_instance_no_public_access": "public-exposure", "rds_snapshots_public_access": "public-exposure",
    "kms_key_not_publicly_accessible": "public-exposure",
}
prowler = {}
for f in glob.glob(f"{out}/prowler/*.ocsf.json"):
    for item in json.load(open(f)):
        if item.get("status_code") == "FAIL":
            check = item.get("metadata", {}).get("event_code") or item.get("finding_info", {}).get("uid", "")
            cat = category.get(check, "other")
            prowler[cat] = prowler.get(cat, 0) + 1
drift = {}
for f in json.load(open(f"{out}/driftscan.json"))["findings"]:
    drift[f["category"]] = drift.get(f["category"], 0) + 1
dm, pm = statistics.median(d), statistics.median(p)
print(f"driftscan scan (live, all rules): median {dm:.1f} s of {len(d)} runs {['%.1f' % x for x in d]}")
print(f"prowler ({len(category)} checks):           median {pm:.1f} s of {len(p)} runs {['%.1f' % x for x in p]}")
print(f"driftscan is {pm / dm:.1f}x faster")
print(f"{'category':<18} {'driftscan':>9} {'prowler':>8}")
for c in sorted(set(drift) | set(prowler)):
    print(f"{c:<18} {drift.get(c, 0):>9} {prowler.get(c, 0):>8}")
PYEOF
rm -rf "$OUT"
