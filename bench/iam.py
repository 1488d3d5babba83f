#!/usr/bin/env python3
"""driftscan and Cloudsplaining side by side on the AWS managed policies that moto ships,
and on a public escalation test-bed (BishopFox iam-vulnerable, fixtures/iam/iam-vulnerable).

    iam.py --driftscan target/debug/driftscan --moto-python .venv/bin/python \
           --cloudsplaining-python .venv-iam/bin/python --out target/bench/iam

Each managed policy becomes the only policy of one role in a synthetic snapshot, which
driftscan scans (no baseline); Cloudsplaining evaluates the same documents through its
Python API. Printed: policies flagged with an escalation path by each, paths found,
alarms on read-only policies (names with ReadOnly, ViewOnly or Audit: a finding there is
a false alarm), PassRole paths for services the policy cannot pass a role to, wall time
and peak memory of each. On the test-bed (built by bench/testbed.py): per case, whether
each tool finds it (driftscan: on every principal the case gives the policies, with the
method the case names; Cloudsplaining: any of the case's policies flagged, as its scan
reports per policy), and whether it flags a false-positive case. Figures go to
BENCHMARKS.md by hand; nothing here asserts (tests/testbed.rs does, for driftscan).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

import testbed

ACCOUNT = "123456789012"
READ_ONLY = re.compile(r"ReadOnly|ViewOnly|Audit", re.IGNORECASE)

EXPORT_POLICIES = r"""
import json, sys
from moto.iam.aws_managed_policies import aws_managed_policies_data
data = json.loads(aws_managed_policies_data)
out = {}
for name, p in data.items():
    doc = p["Document"]
    if isinstance(doc, str):
        doc = json.loads(doc)
    out[name] = {"path": p.get("Path", "/"), "version": p.get("DefaultVersionId", "v1"), "document": doc}
json.dump(out, sys.stdout)
"""

CLOUDSPLAINING_TESTBED = r"""
import json, sys
from cloudsplaining.scan.policy_document import PolicyDocument
spec = json.load(open(sys.argv[1]))
out = {}
for case in spec["cases"]:
    # The subject's own policies: a case with its own roles judges the roles it names.
    subjects = {s.split("/", 1)[1] for s in case.get("subjects", [])}
    docs = case["policies"] + [d for n, r in case.get("roles", {}).items() if n in subjects for d in r["policies"]]
    out[case["name"]] = sorted({e["type"] for d in docs for e in PolicyDocument(d).allows_privilege_escalation})
json.dump(out, sys.stdout)
"""

CLOUDSPLAINING = r"""
import json, sys, time, resource
from cloudsplaining.scan.policy_document import PolicyDocument
policies = json.load(open(sys.argv[1]))
started = time.perf_counter()
found = {}
for name, p in policies.items():
    paths = PolicyDocument(p["document"]).allows_privilege_escalation
    found[name] = sorted({e["type"] for e in paths})
elapsed = time.perf_counter() - started
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump({"found": found, "seconds": elapsed, "rss_mb": rss_mb}, sys.stdout)
"""

PASSROLE_SERVICE = {
    "Lambda": "lambda", "EC2": "ec2", "CloudFormation": "cloudformation", "Glue": "glue",
    "DataPipeline": "datapipeline", "SageMaker": "sagemaker", "CodeBuild": "codebuild",
    "ECS": "ecs-tasks", "AppRunner": "tasks.apprunner", "AutoScaling": "ec2",
}


def role_name(policy):
    """The role that holds `policy` alone (role names allow fewer characters)."""
    return re.sub(r"[^\w+=,.@-]", "-", policy)[:64]


def snapshot(policies):
    """A snapshot with one role per managed policy (named after it)."""
    roles, docs = {}, {}
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    for name, p in sorted(policies.items()):
        arn = f"arn:aws:iam::aws:policy{p['path']}{name}"
        docs[arn] = {"name": name, "path": p["path"], "aws_managed": True,
                     "default_version": p["version"], "document": p["document"]}
        role = role_name(name)
        roles[f"arn:aws:iam::{ACCOUNT}:role/{role}"] = {
            "name": role, "path": "/", "created": None, "trust_policy": trust,
            "attached_policies": [arn], "inline_policies": {}, "permissions_boundary": None}
    return roles, docs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driftscan", required=True)
    ap.add_argument("--moto-python", required=True)
    ap.add_argument("--cloudsplaining-python", required=True)
    ap.add_argument("--demo-snapshot", default="fixtures/demo/baseline.json")
    ap.add_argument("--testbed", default="fixtures/iam/iam-vulnerable/cases.json")
    ap.add_argument("--out", default="target/bench/iam")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    policies = json.loads(subprocess.run([args.moto_python, "-c", EXPORT_POLICIES], check=True,
                                         capture_output=True, text=True).stdout)
    policies_path = os.path.join(args.out, "policies.json")
    with open(policies_path, "w") as f:
        json.dump(policies, f)

    # The demo snapshot gives every section its shape; IAM is replaced, the rest emptied.
    with open(args.demo_snapshot) as f:
        snap = json.load(f)
    roles, docs = snapshot(policies)
    snap["meta"]["collection_gaps"] = []
    snap["iam"]["users"], snap["iam"]["groups"] = {}, {}
    snap["iam"]["roles"], snap["iam"]["policies"] = roles, docs
    for section in ("s3", "rds", "dynamodb", "kms", "config", "ec2", "efs", "redshift", "cloudtrail"):
        snap[section] = {k: {} for k in snap[section]}
    snap_path = os.path.join(args.out, "managed.json")
    with open(snap_path, "w") as f:
        json.dump(snap, f)

    report_path = os.path.join(args.out, "driftscan.json")
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", args.driftscan, "scan", "--snapshot", snap_path,
                          "--no-baseline", "--fail-on", "none", "--format", "json", "-o", report_path],
                         capture_output=True, text=True)
    ds_seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"driftscan failed ({run.returncode}): {run.stderr}")
    ds_rss_mb = int(run.stderr.strip().splitlines()[-1]) / 1024
    with open(report_path) as f:
        report = json.load(f)
    role_of = {f"arn:aws:iam::{ACCOUNT}:role/{role_name(n)}": n for n in policies}
    ds = {n: set() for n in policies}
    admin = set()
    for f in report["findings"]:
        name = role_of.get(f["resource_id"])
        if name is None:
            continue
        if f["rule_id"] == "DS-IAM-004":
            m = re.search(r"via (\S+) \(", f["message"])
            ds[name].add(m.group(1) if m else "?")
        elif f["rule_id"] == "DS-IAM-001":
            admin.add(name)

    cs_run = subprocess.run([args.cloudsplaining_python, "-c", CLOUDSPLAINING, policies_path],
                            check=True, capture_output=True, text=True)
    cs_out = json.loads(cs_run.stdout)
    cs = {n: set(v) for n, v in cs_out["found"].items()}

    def summary(found, extra_flagged=()):
        flagged = {n for n, v in found.items() if v} | set(extra_flagged)
        paths = sum(len(v) for v in found.values())
        read_only = sorted(n for n in flagged if READ_ONLY.search(n))
        return flagged, paths, read_only

    ds_flagged, ds_paths, ds_ro = summary(ds)
    cs_flagged, cs_paths, cs_ro = summary(cs)
    # PassRole paths for a service the policy's PassRole statements cannot pass a role to.
    def passable(doc, service):
        for s in doc.get("Statement", []) if isinstance(doc.get("Statement"), list) else [doc.get("Statement", {})]:
            acts = s.get("Action", [])
            acts = [acts] if isinstance(acts, str) else acts
            if s.get("Effect") != "Allow" or not any(re.fullmatch(a.replace("*", ".*"), "iam:PassRole", re.I) for a in acts):
                continue
            cond = s.get("Condition", {})
            services = [v for op in cond.values() for k, vs in op.items() if k.lower() == "iam:passedtoservice"
                        for v in ([vs] if isinstance(vs, str) else vs)]
            if not services or any(re.fullmatch(v.replace("*", ".*"), f"{service}.amazonaws.com") for v in services):
                return True
        return False

    def unpassable(found, pattern):
        out = []
        for n, methods in found.items():
            for m in methods:
                mm = re.search(pattern, m)
                if mm and mm.group(1) in PASSROLE_SERVICE and not passable(policies[n]["document"], PASSROLE_SERVICE[mm.group(1)]):
                    out.append(f"{n} ({m})")
        return out

    ds_unpassable = unpassable(ds, r"PassRole\+([A-Za-z]+?)(?:Notebook|Spot|EventSource|Permission|DevEndpoint|Job|JobUpdate|TrainingJob|ProcessingJob|RunTask|Service)?$")
    cs_unpassable = unpassable(cs, r"PassExistingRoleToNew([A-Za-z]+?)(?:Function|Instance|Stack|DevEndpoint|Pipeline|Notebook|Project|Job)?$")

    print(f"AWS managed policies (moto {len(policies)} documents)")
    print(f"{'':36} {'driftscan':>12} {'Cloudsplaining':>15}")
    print(f"{'policies with an escalation path':36} {len(ds_flagged):>12} {len(cs_flagged):>15}")
    print(f"{'escalation paths reported':36} {ds_paths:>12} {cs_paths:>15}")
    print(f"{'distinct methods seen':36} {len({m for v in ds.values() for m in v}):>12} {len({m for v in cs.values() for m in v}):>15}")
    print(f"{'read-only policies flagged':36} {len(ds_ro):>12} {len(cs_ro):>15}")
    print(f"{'PassRole paths to unpassable svc':36} {len(ds_unpassable):>12} {len(cs_unpassable):>15}")
    print(f"{'administrator-equivalent (DS-IAM-001)':36} {len(admin):>12} {'-':>15}")
    print(f"{'wall time, s (whole scan / API loop)':36} {ds_seconds:>12.2f} {cs_out['seconds']:>15.2f}")
    print(f"{'peak memory, MB':36} {ds_rss_mb:>12.0f} {cs_out['rss_mb']:>15.0f}")
    for who, cases in (("driftscan", ds_unpassable), ("Cloudsplaining", cs_unpassable)):
        if cases:
            print(f"{who} PassRole to an unpassable service:", ", ".join(sorted(cases)))
    if ds_ro:
        print("driftscan read-only alarms:", ", ".join(ds_ro))
    if cs_ro:
        print("Cloudsplaining read-only alarms:", ", ".join(cs_ro))
    only_cs = sorted(n for n in cs_flagged - ds_flagged)
    print(f"flagged by Cloudsplaining only ({len(only_cs)}):", ", ".join(only_cs[:40]), "…" if len(only_cs) > 40 else "")
    compare_testbed(args)
    cover_cloudsplaining_catalog(args)


CLOUDSPLAINING_METHODS = r"""
import json, sys
from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS
json.dump(PRIVILEGE_ESCALATION_METHODS, sys.stdout)
"""


def cover_cloudsplaining_catalog(args):
    """Each method of Cloudsplaining's catalog, its actions allowed on `*` to one role of a
    test-bed account (which has a role every service may assume): which driftscan methods
    find it."""
    catalog = json.loads(subprocess.run([args.cloudsplaining_python, "-c", CLOUDSPLAINING_METHODS],
                                        check=True, capture_output=True, text=True).stdout)
    with open(args.testbed) as f:
        spec = json.load(f)
    spec = dict(spec, cases=[{"name": f"cs-{name}", "kind": "path", "methods": [],
                              "policies": [{"Version": "2012-10-17", "Statement": [
                                  {"Effect": "Allow", "Action": actions, "Resource": "*"}]}]}
                             for name, actions in sorted(catalog.items())])
    snap_path = os.path.join(args.out, "cloudsplaining-catalog.json")
    with open(snap_path, "w") as f:
        json.dump(testbed.build(spec), f)
    report_path = os.path.join(args.out, "cloudsplaining-catalog-report.json")
    subprocess.run([args.driftscan, "scan", "--snapshot", snap_path, "--no-baseline", "--fail-on", "none",
                    "--format", "json", "-o", report_path], check=True, capture_output=True)
    with open(report_path) as f:
        findings = json.load(f)["findings"]
    found = {}
    for f in findings:
        m = re.search(r":role/cs-(.+)-role$", f["resource_id"])
        if m and f["rule_id"] in ("DS-IAM-001", "DS-IAM-004"):
            found.setdefault(m.group(1), set()).add(method_of(f))
    print()
    print(f"Cloudsplaining's catalog ({len(catalog)} methods), each alone on a role: found by driftscan as")
    for name in sorted(catalog):
        print(f"  {name:56} {', '.join(sorted(found.get(name, []))) or 'NOT FOUND'}")
    print(f"found: {sum(1 for n in catalog if found.get(n))}/{len(catalog)}")


def method_of(finding):
    """The method a privilege finding names (as tests/testbed.rs reads it)."""
    if finding["rule_id"] == "DS-IAM-001":
        return "administrator"
    if "RoleChain " in finding["message"]:
        return "RoleChain"
    m = re.search(r" via (\S+) \(", finding["message"])
    return m.group(1) if m else finding["rule_id"]


def compare_testbed(args):
    """Per case of the public test-bed: found by driftscan, found by Cloudsplaining."""
    with open(args.testbed) as f:
        spec = json.load(f)
    snap_path = os.path.join(args.out, "testbed.json")
    with open(snap_path, "w") as f:
        json.dump(testbed.build(spec), f)
    report_path = os.path.join(args.out, "testbed-report.json")
    started = time.perf_counter()
    subprocess.run([args.driftscan, "scan", "--snapshot", snap_path, "--no-baseline", "--fail-on", "none",
                    "--format", "json", "-o", report_path], check=True, capture_output=True)
    ds_seconds = time.perf_counter() - started
    with open(report_path) as f:
        findings = json.load(f)["findings"]
    methods = {}
    for f in findings:
        if f["rule_id"] in ("DS-IAM-001", "DS-IAM-002", "DS-IAM-004"):
            methods.setdefault(f["resource_id"], set()).add(method_of(f))
    cs = json.loads(subprocess.run([args.cloudsplaining_python, "-c", CLOUDSPLAINING_TESTBED, args.testbed],
                                   check=True, capture_output=True, text=True).stdout)

    account = spec["account_id"]
    rows, tally = [], {}
    for case in spec["cases"]:
        name, kind, wanted = case["name"], case["kind"], set(case["methods"])
        alone = set(case.get("not_alone", []))
        results = []
        for subject in testbed.principals_of(case):
            found = methods.get(f"arn:aws:iam::{account}:{subject}", set())
            if not wanted or subject in alone:
                results.append(not found)
            else:
                results.append(bool(found & wanted))
        ds_ok = all(results)
        cs_ok = bool(cs[name]) == bool(wanted)
        for tool, ok in (("driftscan", ds_ok), ("Cloudsplaining", cs_ok)):
            tally[(kind, tool)] = tally.get((kind, tool), 0) + ok
        shown = sorted(set().union(*(methods.get(f"arn:aws:iam::{account}:{s}", set())
                                     for s in testbed.principals_of(case))))
        rows.append((name, kind, ds_ok, ", ".join(shown[:3]) + (" …" if len(shown) > 3 else ""), cs_ok,
                     ", ".join(cs[name][:2]) + (" …" if len(cs[name]) > 2 else "")))

    print()
    print(f"Escalation test-bed ({args.testbed}): {len(spec['cases'])} cases")
    print(f"{'case':52} {'driftscan':>9}  {'methods':40} {'Cloudspl.':>9}  methods")
    for name, kind, ds_ok, ds_m, cs_ok, cs_m in rows:
        mark = lambda ok: "ok" if ok else ("MISSED" if kind != "false-positive test" else "ALARM")  # noqa: E731
        print(f"{name:52} {mark(ds_ok):>9}  {ds_m[:40]:40} {mark(cs_ok):>9}  {cs_m}")
    kinds = {"path": "escalation paths found", "false-negative test": "false-negative tests found",
             "false-positive test": "false-positive tests not flagged"}
    for kind, label in kinds.items():
        total = sum(1 for c in spec["cases"] if c["kind"] == kind)
        print(f"{label:36} {tally.get((kind, 'driftscan'), 0):>5}/{total} {tally.get((kind, 'Cloudsplaining'), 0):>12}/{total}")
    print(f"driftscan scan of the test-bed: {ds_seconds:.2f} s")


if __name__ == "__main__":
    main()
