#!/usr/bin/env python3
"""A driftscan snapshot of the public escalation test-bed in fixtures/iam/iam-vulnerable/cases.json.

    testbed.py [--cases fixtures/iam/iam-vulnerable/cases.json] -o snapshot.json

Every case's policies become customer-managed policies attached to a user and a role named
after the case (`<name>-user`, `<name>-role`; the role trusts the tester account), unless
the case lists its own `roles`; `shared` adds the roles and groups the paths rely on. Used
by the integration test (tests/testbed.rs) and by `make bench-iam`.
"""

import argparse
import json

CREATED = "2026-01-01T00:00:00Z"


def user(name, groups=(), attached=()):
    return {"name": name, "path": "/", "created": CREATED, "access_keys": [], "attached_policies": list(attached),
            "console_password": False, "groups": list(groups), "inline_policies": {}, "mfa": "none",
            "password_last_used": None, "permissions_boundary": None}


def trust_policy(aws=(), services=()):
    principal = {}
    if aws:
        principal["AWS"] = list(aws)
    if services:
        principal["Service"] = list(services)
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}


def principals_of(case):
    """The principals a case's result is judged on: `kind/name` relative to the account."""
    return case.get("subjects") or [f"user/{case['name']}-user", f"role/{case['name']}-role"]


def build(spec):
    account = spec["account_id"]
    arn = lambda rel: f"arn:aws:iam::{account}:{rel}"  # noqa: E731
    iam = {"account": {}, "users": {}, "groups": {}, "roles": {}, "policies": {}}

    def managed(name, document):
        policy = arn(f"policy/{name}")
        iam["policies"][policy] = {"name": name, "path": "/", "aws_managed": False, "default_version": "v1",
                                   "document": document}
        return policy

    def role(name, body):
        aws = [spec["tester"] if t == "tester" else arn(t) for t in body.get("trusts", [])]
        attached = [managed(f"{name}-policy-{i}", d) for i, d in enumerate(body.get("policies", []), 1)]
        iam["roles"][arn(f"role/{name}")] = {
            "name": name, "path": "/", "created": CREATED, "permissions_boundary": None, "inline_policies": {},
            "trust_policy": trust_policy(aws, body.get("trusts_services", [])), "attached_policies": attached}

    for name, body in spec["shared"]["roles"].items():
        role(name, body)
    for name, body in spec["shared"]["groups"].items():
        attached = [managed(f"{name}-policy-{i}", d) for i, d in enumerate(body["policies"], 1)]
        iam["groups"][arn(f"group/{name}")] = {"name": name, "path": "/", "attached_policies": attached,
                                               "inline_policies": {}}
        for member in body["members"]:
            iam["users"].setdefault(arn(f"user/{member}"), user(member))["groups"].append(name)

    for case in spec["cases"]:
        name = case["name"]
        if "roles" in case:
            for role_name, body in case["roles"].items():
                role(role_name, body)
            continue
        base = case.get("policy_name", f"{name}-policy")
        names = [base] if len(case["policies"]) == 1 else [f"{base}-{i}" for i in range(1, len(case["policies"]) + 1)]
        attached = [managed(n, d) for n, d in zip(names, case["policies"])]
        iam["users"][arn(f"user/{name}-user")] = user(f"{name}-user", attached=attached)
        role(f"{name}-role", {"trusts": ["tester"]})
        iam["roles"][arn(f"role/{name}-role")]["attached_policies"] = attached

    return {
        "schema_version": 1,
        "meta": {"account_id": account, "partition": "aws", "regions": ["us-east-1"],
                 "caller_arn": f"arn:aws:sts::{account}:assumed-role/driftscan-readonly/testbed",
                 "scanned_at": "2026-11-30T00:00:00Z", "tool_version": "0.1.0", "collection_gaps": []},
        "iam": iam,
        "s3": {"account": {}, "buckets": {}},
        "rds": {"instances": {}, "clusters": {}, "snapshots": {}},
        "dynamodb": {"tables": {}},
        "kms": {"keys": {}},
        "config": {"recorders": {}},
        "ec2": {"ebs_defaults": {}, "volumes": {}, "snapshots": {}},
        "efs": {"file_systems": {}},
        "redshift": {"clusters": {}},
        "cloudtrail": {"account": {}, "trails": {}},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="fixtures/iam/iam-vulnerable/cases.json")
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args()
    with open(args.cases) as f:
        spec = json.load(f)
    with open(args.out, "w") as f:
        json.dump(build(spec), f, indent=1)


if __name__ == "__main__":
    main()
