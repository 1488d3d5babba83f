#!/usr/bin/env python3
"""Writes daily driftscan JSON reports (and the git history of their baselines) for
`driftscan evidence build`: the planted scenario the tests check figure by figure
(tests/evidence.rs), or a large synthetic estate for `make bench-evidence`.

    evidence_gen.py planted --reports DIR --repo DIR
    evidence_gen.py bench --reports DIR --repo DIR [--accounts 100] [--days 365]

The reports are in the exact format `driftscan scan --json` writes (schema 1 for single
accounts, schema 2 for an organization run), including `scan` with the baselines' commit.

The planted scenario: 120 days, 2026-01-01 to 2026-04-30, daily scans at 02:00Z of three
accounts. Account A (111111111111) writes one schema-1 report per day, under nested
directories, every 7th one gzipped; B (222222222222) and C (333333333333) are one
organization report (schema 2) per day. Day d is 2026-01-01 + d.

  Missed days (4): A has no report on days 10 and 11; B is not in the day-50 report;
  C failed on day 90 (status failed).
  Baseline commits (in the period, 5): day 25 A iam.json (accepts A1), day 33 A s3.json
  (accepts A2), day 44 C exceptions.toml (the exception for C1), day 80 B kms.json
  (unrelated to B3), day 105 C exceptions.toml (removes the expired exception).
  Findings (by rule, first seen day -> resolution):
  A1 DS-IAM-001 role breakglass   20 -> 26 accepted (reported `unchanged` after commit day 25), 6 days
  A2 DS-CFG-007 bucket a-logs     30 -> 34 accepted (gone after commit day 33 changed s3.json), 4 days
  A3 DS-ENC-001 bucket a-payroll   5 -> 13 fixed, 8 days (days 10, 11 missed)
  A4 DS-PUB-003 bucket a-public  100 -> open at the end
  B1 DS-MFA-002 user bob           3 -> 10 fixed, 7 days
  B2 DS-ENC-005 db orders         55 -> 70 fixed, 15 days; absent on day 60, when B had an
                                  RDS collection gap in eu-west-1 (that scan proves nothing)
  B3 DS-PUB-001 bucket b-share    75 -> 81 fixed, 6 days (the day-80 commit changed kms.json only)
  C1 DS-IAM-005 role ci           40 -> 45 exception (owner platform@acme.example), 5 days
  C2 DS-ENC-009 key k1            85 -> 96 fixed, 11 days (day 90 failed)
  C3 DS-PUB-003 bucket c-web      60 -> 60 exception (suppressed at first sight, expires
                                  2026-04-01 = day 90); open again 91 -> 106 fixed, 15 days
  C4 DS-CFG-008 expired exception 91 -> 106 fixed, 15 days
  Never drift, never counted: A's DS-IAM-005 `unchanged` every day, B's DS-CFG-003 `absent`.
"""

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess

SEVERITY = {"critical", "high", "medium", "low", "info"}
RULES = {
    # rule: (category, severity)
    "DS-IAM-001": ("privilege-creep", "critical"),
    "DS-IAM-005": ("privilege-creep", "high"),
    "DS-CFG-003": ("config-drift", "low"),
    "DS-CFG-007": ("config-drift", "info"),
    "DS-CFG-008": ("config-drift", "medium"),
    "DS-ENC-001": ("encryption-drift", "high"),
    "DS-ENC-005": ("encryption-drift", "high"),
    "DS-ENC-009": ("encryption-drift", "high"),
    "DS-MFA-002": ("mfa-gap", "high"),
    "DS-PUB-001": ("public-exposure", "medium"),
    "DS-PUB-003": ("public-exposure", "critical"),
}
RULES_DIGEST = "sha256:" + "0" * 64
START = dt.datetime(2026, 1, 1, 2, 0, 0, tzinfo=dt.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def git(repo, *args, env=None):
    full = dict(os.environ, **(env or {}))
    out = subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True, env=full)
    return out.stdout.strip()


class Repo:
    """The baselines' git work tree; commits at given times, HEAD at any time."""

    def __init__(self, path):
        self.path = path
        self.commits = []  # (time, id)
        os.makedirs(os.path.join(path, "baselines"), exist_ok=True)
        git(path, "init", "-q")

    def commit(self, when, author, email, subject, files):
        for rel, text in files.items():
            full = os.path.join(self.path, rel)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
            git(self.path, "add", rel)
        env = {
            "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": iso(when),
            "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": iso(when),
        }
        git(self.path, "-c", "commit.gpgsign=false", "commit", "-q", "-m", subject, env=env)
        self.commits.append((when, git(self.path, "rev-parse", "HEAD")))

    def head_at(self, when):
        ids = [c for t, c in self.commits if t <= when]
        return ids[-1] if ids else None


def finding(account, rule, rtype, resource, field, state, path, line, suppression=None):
    category, severity = RULES[rule]
    key = f"{rule}|{resource}|{field or ''}"
    f = {
        "rule_id": rule, "category": category, "severity": severity, "baseline_state": state,
        "resource_type": rtype, "resource_id": resource, "field": field,
        "baseline": None, "current": True,
        "message": f"{rule} on {resource.rsplit(':', 1)[-1]}",
        "location": {"path": path, "line": line},
        "fingerprint": hashlib.sha256(key.encode()).hexdigest()[:32],
    }
    if suppression:
        f["suppression"] = suppression
    return f


def summary(findings):
    out = {s: 0 for s in ["critical", "high", "medium", "low", "info"]}
    for f in findings:
        if f["baseline_state"] != "absent" and "suppression" not in f:
            out[f["severity"]] += 1
    return out


def scan_info(accounts, commit):
    ident = hashlib.sha256(json.dumps([accounts, commit]).encode()).hexdigest()[:32]
    return {
        "id": ident, "rules_digest": RULES_DIGEST,
        "baselines": {"path": "baselines", "commit": commit, "dirty": False},
        "options": {"regions": [], "fail_on": "high", "no_baseline": False},
    }


def schema1(account, at, findings, gaps, commit):
    return {
        "schema_version": 1, "tool": {"name": "driftscan", "version": "0.1.0"},
        "scan": scan_info([[account, iso(at)]], commit),
        "account_id": account, "scanned_at": iso(at), "regions": ["eu-west-1", "us-east-1"],
        "collection_gaps": gaps, "summary": summary(findings), "findings": findings, "stale_exceptions": [],
    }


def schema2(rows, at, commit):
    """rows: (account, name, status, error, findings, gaps)"""
    doc = {
        "schema_version": 2, "tool": {"name": "driftscan", "version": "0.1.0"},
        "scan": scan_info([[r[0], iso(at)] for r in rows if r[2] != "failed"], commit),
        "accounts": [], "summary": summary([f for r in rows for f in r[4]]),
        "collection_gaps": [], "findings": [], "stale_exceptions": [],
    }
    for account, name, status, error, findings, gaps in rows:
        failed = status == "failed"
        doc["accounts"].append({
            "account_id": account, "name": name, "status": status, "error": error,
            "scanned_at": None if failed else iso(at), "regions": [] if failed else ["eu-west-1", "us-east-1"],
            "summary": summary(findings), "collection_gaps": len(gaps),
        })
        doc["collection_gaps"] += [dict(account_id=account, **g) for g in gaps]
        doc["findings"] += [dict(account_id=account, **f) for f in findings]
    return doc


def write(path, doc, gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(doc, indent=2) + "\n"
    if gz:
        with gzip.open(path + ".gz", "wt") as f:
            f.write(text)
    else:
        with open(path, "w") as f:
            f.write(text)


A, B, C = "111111111111", "222222222222", "333333333333"


def planted(reports, repo_dir):
    repo = Repo(repo_dir)
    day = lambda d, h=2: START + dt.timedelta(days=d, hours=h - 2)
    files = {}
    for acct in (A, B, C):
        for svc in ("iam", "s3", "rds", "kms"):
            files[f"baselines/{acct}/{svc}.json"] = json.dumps({"version": 1}, indent=2) + "\n"
    repo.commit(day(-1, 10), "Initial Setup", "setup@acme.example", "Baselines of three accounts", files)
    plan = [
        (25, A, "iam", "Ana Lead", "ana@acme.example", "Accept admin for break-glass role"),
        (33, A, "s3", "Ana Lead", "ana@acme.example", "Accept logging target of a-logs"),
        (44, C, "exceptions", "Cy Owner", "cy@acme.example", "Exception for the CI role until the migration"),
        (80, B, "kms", "Bo Admin", "bo@acme.example", "Record the rotated KMS key policy"),
        (105, C, "exceptions", "Cy Owner", "cy@acme.example", "Remove the expired exception for c-web"),
    ]
    for d, acct, what, author, email, subject in plan:
        rel = f"baselines/{acct}/exceptions.toml" if what == "exceptions" else f"baselines/{acct}/{what}.json"
        repo.commit(day(d, 10), author, email, subject, {rel: json.dumps({"version": d}) + "\n"})

    loc = lambda acct, svc: f"baselines/{acct}/{svc}.json"
    exc = lambda acct: f"baselines/{acct}/exceptions.toml"
    c1_exception = {"reason": "CI deploy role needs admin until the migration", "owner": "platform@acme.example",
                    "expires": "2026-06-30", "location": {"path": exc(C), "line": 1}}
    c3_exception = {"reason": "Public website bucket, reviewed", "owner": "web@acme.example",
                    "expires": "2026-04-01", "location": {"path": exc(C), "line": 7}}

    def findings_of(acct, d):
        out = []
        if acct == A:
            out.append(finding(A, "DS-IAM-005", "iam_role", f"arn:aws:iam::{A}:role/legacy", None, "unchanged", loc(A, "iam"), 40))
            if 20 <= d <= 25:
                out.append(finding(A, "DS-IAM-001", "iam_role", f"arn:aws:iam::{A}:role/breakglass", None, "new", loc(A, "iam"), 12))
            elif d >= 26:
                out.append(finding(A, "DS-IAM-001", "iam_role", f"arn:aws:iam::{A}:role/breakglass", None, "unchanged", loc(A, "iam"), 12))
            if 30 <= d <= 33:
                out.append(finding(A, "DS-CFG-007", "s3_bucket", "arn:aws:s3:::a-logs", "logging.target_bucket", "new", loc(A, "s3"), 30))
            if 5 <= d <= 12:
                out.append(finding(A, "DS-ENC-001", "s3_bucket", "arn:aws:s3:::a-payroll", "encryption.algorithm", "new", loc(A, "s3"), 50))
            if d >= 100:
                out.append(finding(A, "DS-PUB-003", "s3_bucket", "arn:aws:s3:::a-public", None, "new", loc(A, "s3"), 70))
        if acct == B:
            out.append(finding(B, "DS-CFG-003", "s3_bucket", "arn:aws:s3:::b-old", "logging", "absent", loc(B, "s3"), 9))
            if 3 <= d <= 9:
                out.append(finding(B, "DS-MFA-002", "iam_user", f"arn:aws:iam::{B}:user/bob", "mfa_devices", "new", loc(B, "iam"), 21))
            if 55 <= d <= 69 and d != 60:
                out.append(finding(B, "DS-ENC-005", "rds_instance", f"arn:aws:rds:eu-west-1:{B}:db:orders", "storage_encrypted", "new", loc(B, "rds"), 8))
            if 75 <= d <= 80:
                out.append(finding(B, "DS-PUB-001", "s3_bucket", "arn:aws:s3:::b-share", None, "new", loc(B, "s3"), 33))
        if acct == C:
            if 40 <= d <= 44:
                out.append(finding(C, "DS-IAM-005", "iam_role", f"arn:aws:iam::{C}:role/ci", None, "new", loc(C, "iam"), 5))
            elif d >= 45:
                out.append(finding(C, "DS-IAM-005", "iam_role", f"arn:aws:iam::{C}:role/ci", None, "new", loc(C, "iam"), 5, c1_exception))
            if 85 <= d <= 95:
                out.append(finding(C, "DS-ENC-009", "kms_key", f"arn:aws:kms:us-east-1:{C}:key/k1", "key_state", "new", loc(C, "kms"), 14))
            if 60 <= d <= 90:
                out.append(finding(C, "DS-PUB-003", "s3_bucket", "arn:aws:s3:::c-web", None, "new", loc(C, "s3"), 3, c3_exception))
            elif 91 <= d <= 105:
                out.append(finding(C, "DS-PUB-003", "s3_bucket", "arn:aws:s3:::c-web", None, "new", loc(C, "s3"), 3))
                out.append(finding(C, "DS-CFG-008", "account", f"arn:aws:iam::{C}:root", None, "new", exc(C), 7))
        return out

    for d in range(120):
        at = day(d)
        commit = repo.head_at(at)
        date = at.strftime("%Y-%m-%d")
        if d not in (10, 11):
            path = os.path.join(reports, A, at.strftime("%Y/%m"), f"{date}.json")
            write(path, schema1(A, at, findings_of(A, d), [], commit), gz=d % 7 == 0)
        rows = []
        if d != 50:
            gaps = []
            if d == 60:
                gaps = [{"service": "rds", "region": "eu-west-1", "operation": "DescribeDBInstances",
                         "error": "AccessDenied: not authorized"}]
            rows.append((B, "beta", "partial" if gaps else "ok", None, findings_of(B, d), gaps))
        if d == 90:
            rows.append((C, "gamma", "failed", "AccessDenied: could not assume driftscan-audit", [], []))
        else:
            rows.append((C, "gamma", "ok", None, findings_of(C, d), []))
        write(os.path.join(reports, "org", f"{date}.json"), schema2(rows, at, commit))


def bench(reports, repo_dir, accounts, days):
    repo = Repo(repo_dir)
    files = {f"baselines/{100000000000 + a}/iam.json": "{}\n" for a in range(accounts)}
    repo.commit(START - dt.timedelta(hours=10), "Bench", "bench@example.com", "Baselines", files)
    commit = repo.head_at(START)
    for a in range(accounts):
        acct = str(100000000000 + a)
        for d in range(days):
            at = START + dt.timedelta(days=d)
            found = []
            for j in range(8):
                # Each finding comes and goes in cycles of a few days, offset per account.
                if ((d + 3 * j + a) // (4 + j)) % 2 == 0:
                    rule = sorted(RULES)[j % len(RULES)]
                    state = "unchanged" if rule in ("DS-CFG-003",) else "new"
                    found.append(finding(acct, rule, "s3_bucket", f"arn:aws:s3:::b{a}-{j}", None, state,
                                         f"baselines/{acct}/s3.json", 10 + j))
            path = os.path.join(reports, acct, f"{at.strftime('%Y-%m-%d')}.json")
            write(path, schema1(acct, at, found, [], commit), gz=d % 5 == 0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", choices=["planted", "bench"])
    p.add_argument("--reports", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--accounts", type=int, default=100)
    p.add_argument("--days", type=int, default=365)
    a = p.parse_args()
    if a.scenario == "planted":
        planted(a.reports, a.repo)
    else:
        bench(a.reports, a.repo, a.accounts, a.days)


if __name__ == "__main__":
    main()
