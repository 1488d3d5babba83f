#!/usr/bin/env python3
"""Writes a synthetic account of about N resources (`base.json`) and the same account after
drift (`drifted.json`), with a realistic shape: users in groups with several policies,
roles with trust policies, customer policies, buckets with policies, databases,
snapshots, tables, keys. Deterministic for a given N.

    synth.py --resources 10000 --out target/bench/10k
"""

import argparse
import json
import os
import random

ACCOUNT = "123456789012"
REGIONS = ["eu-west-1", "us-east-1"]
SERVICES = ["s3", "dynamodb", "sqs", "sns", "lambda", "logs", "ec2", "kms", "rds", "cloudwatch"]


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, resources):
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def arn(kind, name):
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def build(n, rng):
    mix = {"users": 0.38, "groups": 0.02, "roles": 0.15, "policies": 0.08, "buckets": 0.20,
           "instances": 0.04, "snapshots": 0.04, "tables": 0.05, "keys": 0.04}
    count = {k: max(2, int(n * v)) for k, v in mix.items()}
    keys = {}
    for i in range(count["keys"]):
        kid = f"{i:08x}-0000-4000-8000-{i:012x}"
        region = REGIONS[i % 2]
        keys[f"arn:aws:kms:{region}:{ACCOUNT}:key/{kid}"] = {
            "key_id": kid, "region": region, "aliases": [f"alias/key-{i}"], "description": f"key {i}",
            "manager": "CUSTOMER", "state": "Enabled", "key_spec": "SYMMETRIC_DEFAULT", "rotation_enabled": True,
            "deletion_date": None,
            "policy": policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}),
        }
    key_arns = sorted(keys)
    policies = {}
    for i in range(count["policies"]):
        svc = SERVICES[i % len(SERVICES)]
        policies[arn("policy", f"app-{i}")] = {
            "name": f"app-{i}", "path": "/", "aws_managed": False, "default_version": "v1",
            "document": policy(
                allow([f"{svc}:Get*", f"{svc}:List*", f"{svc}:Describe*"], "*"),
                allow([f"{svc}:Put*", f"{svc}:Update*"], f"arn:aws:{svc}:*:{ACCOUNT}:app-{i}-*")),
        }
    policies["arn:aws:iam::aws:policy/AdministratorAccess"] = {
        "name": "AdministratorAccess", "path": "/", "aws_managed": True, "default_version": "v1", "document": policy(allow("*", "*"))}
    policy_arns = sorted(p for p in policies if ":aws:policy/" not in p)
    groups = {}
    for i in range(count["groups"]):
        groups[arn("group", f"team-{i}")] = {"name": f"team-{i}", "path": "/",
                                             "attached_policies": sorted(rng.sample(policy_arns, min(3, len(policy_arns)))),
                                             "inline_policies": {}}
    group_names = [g["name"] for g in groups.values()]
    users = {}
    for i in range(count["users"]):
        console = i % 3 != 0
        users[arn("user", f"user-{i}")] = {
            "name": f"user-{i}", "path": "/", "created": "2025-01-01T00:00:00Z", "console_password": console,
            "password_last_used": "2026-11-20T08:00:00Z" if console else None,
            "mfa": ("virtual" if i % 2 else "hardware") if console else "none",
            "access_keys": [] if console else [{"id": f"AKIA{i:016d}", "status": "Active", "created": "2026-10-01T00:00:00Z", "last_used": "2026-11-20T00:00:00Z"}],
            "groups": sorted(rng.sample(group_names, rng.randint(1, min(3, len(group_names))))),
            "attached_policies": sorted(rng.sample(policy_arns, rng.randint(0, 2))),
            "inline_policies": {"own": policy(allow("s3:GetObject", f"arn:aws:s3:::home-{i}/*"))} if i % 4 == 0 else {},
            "permissions_boundary": None,
        }
    roles = {}
    for i in range(count["roles"]):
        trust = ({"Effect": "Allow", "Principal": {"Service": f"{SERVICES[i % 5]}.amazonaws.com"}, "Action": "sts:AssumeRole"}
                 if i % 4 else
                 {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"}, "Action": "sts:AssumeRole",
                  "Condition": {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}})
        roles[arn("role", f"role-{i}")] = {
            "name": f"role-{i}", "path": "/", "created": "2025-01-01T00:00:00Z", "trust_policy": policy(trust),
            "attached_policies": sorted(rng.sample(policy_arns, rng.randint(1, 2))),
            "inline_policies": {"inline": policy(allow(["dynamodb:GetItem", "dynamodb:PutItem"], f"arn:aws:dynamodb:*:{ACCOUNT}:table/t-{i}"))},
            "permissions_boundary": None,
        }
    buckets = {}
    for i in range(count["buckets"]):
        name = f"bucket-{i:06d}"
        kms = i % 3 == 0
        buckets[f"arn:aws:s3:::{name}"] = {
            "name": name, "region": REGIONS[i % 2],
            "encryption": {"algorithm": "aws:kms" if kms else "AES256", "kms_key_id": key_arns[i % len(key_arns)] if kms else None, "bucket_key_enabled": kms},
            "public_access_block": {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True, "restrict_public_buckets": True},
            "policy": policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                              "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
            "policy_is_public": False, "public_acl_grants": [],
            "versioning": {"status": "Enabled", "mfa_delete": False},
            "logging": {"enabled": True, "target_bucket": "bucket-logs"}, "object_ownership": "BucketOwnerEnforced",
        }
    instances, snapshots = {}, {}
    for i in range(count["instances"]):
        region = REGIONS[i % 2]
        instances[f"arn:aws:rds:{region}:{ACCOUNT}:db:db-{i}"] = {
            "identifier": f"db-{i}", "region": region, "engine": "postgres", "cluster": None, "storage_encrypted": True,
            "kms_key_id": key_arns[i % len(key_arns)], "publicly_accessible": False, "iam_auth_enabled": True,
            "backup_retention_days": 14, "deletion_protection": True}
    for i in range(count["snapshots"]):
        region = REGIONS[i % 2]
        snapshots[f"arn:aws:rds:{region}:{ACCOUNT}:snapshot:snap-{i}"] = {
            "identifier": f"snap-{i}", "region": region, "source_kind": "instance", "source": f"db-{i % count['instances']}",
            "snapshot_type": "manual", "encrypted": True, "kms_key_id": key_arns[i % len(key_arns)], "public": False, "shared_with": []}
    tables = {}
    for i in range(count["tables"]):
        region = REGIONS[i % 2]
        tables[f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/t-{i}"] = {
            "name": f"t-{i}", "region": region, "sse_type": "KMS", "kms_key_arn": key_arns[i % len(key_arns)],
            "pitr_enabled": True, "deletion_protection": True}
    return {
        "schema_version": 1,
        "meta": {"account_id": ACCOUNT, "partition": "aws", "regions": REGIONS, "scanned_at": "2026-11-22T02:00:00Z",
                 "tool_version": "bench", "caller_arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/bench/x", "collection_gaps": []},
        "iam": {"account": {f"arn:aws:iam::{ACCOUNT}:root": {"root_mfa": "hardware", "root_access_keys_present": False, "password_policy": {
            "present": True, "minimum_length": 14, "require_uppercase": True, "require_lowercase": True, "require_numbers": True,
            "require_symbols": True, "allow_users_to_change": True, "max_age_days": 90, "reuse_prevention": 24, "hard_expiry": False}}},
            "users": users, "groups": groups, "roles": roles, "policies": policies},
        "s3": {"account": {f"arn:aws:s3::{ACCOUNT}:account": {"public_access_block": {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True, "restrict_public_buckets": True}}},
               "buckets": buckets},
        "rds": {"instances": instances, "clusters": {}, "snapshots": snapshots},
        "dynamodb": {"tables": tables}, "kms": {"keys": keys},
        "config": {"recorders": {f"arn:aws:config:{r}:{ACCOUNT}:configuration-recorder": {"region": r, "name": "default", "recording": True, "all_supported": True, "include_global_resources": r == "us-east-1"} for r in REGIONS}},
        "ec2": {"ebs_defaults": {}, "volumes": {}, "snapshots": {}}, "efs": {"file_systems": {}},
        "redshift": {"clusters": {}}, "cloudtrail": {"account": {}, "trails": {}},
    }


def drift(s, rng):
    """About 2 % of the resources drift, in every category."""
    import copy
    d = copy.deepcopy(s)
    d["meta"]["scanned_at"] = "2026-11-23T02:00:00Z"
    users = d["iam"]["users"]
    for i, (a, u) in enumerate(sorted(users.items())):
        if i % 50 == 1:
            u["attached_policies"] = sorted(set(u["attached_policies"]) | {"arn:aws:iam::aws:policy/AdministratorAccess"})
        elif i % 50 == 2 and u["console_password"]:
            u["mfa"] = "none"
    for i, (a, b) in enumerate(sorted(d["s3"]["buckets"].items())):
        if i % 50 == 3:
            b["encryption"] = {"algorithm": "AES256", "kms_key_id": None, "bucket_key_enabled": False}
        elif i % 50 == 4:
            b["public_access_block"] = {k: False for k in b["public_access_block"]}
            b["policy"]["Statement"].append({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{a}/*"})
    for i, (a, db) in enumerate(sorted(d["rds"]["instances"].items())):
        if i % 50 == 5:
            db["publicly_accessible"] = True
    for i, (a, t) in enumerate(sorted(d["dynamodb"]["tables"].items())):
        if i % 50 == 6:
            t["pitr_enabled"] = False
    for i, (a, k) in enumerate(sorted(d["kms"]["keys"].items())):
        if i % 50 == 7:
            k["rotation_enabled"] = False
    for i, (a, r) in enumerate(sorted(d["iam"]["roles"].items())):
        if i % 50 == 8:
            r["inline_policies"]["debug"] = policy(allow(["s3:*", "iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "*"))
    return d


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resources", type=int, required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    rng = random.Random(args.resources)
    base = build(args.resources, rng)
    os.makedirs(args.out, exist_ok=True)
    for name, value in (("base.json", base), ("drifted.json", drift(base, rng))):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(value, f, indent=1, sort_keys=True)
