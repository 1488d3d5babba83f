#!/usr/bin/env python3
"""Checks SARIF files the way GitHub code scanning will judge them, and fails on any error:

1. the SARIF 2.1.0 JSON schema (jsonschema);
2. Microsoft's SARIF multitool, `validate --rule-kind "Sarif;Gh"` (best practices and GitHub's
   ingestion rules). Its exit code is 0 even when it finds errors, so they are counted from
   its output log;
3. what GitHub enforces that the multitool does not: a repo-relative
   `physicalLocation.artifactLocation.uri` on every result, a numeric `security-severity` in
   (0, 10], known rule ids, fingerprints, and the upload limits.

Usage: check_sarif.py --multitool PATH --schema PATH FILE.sarif...
Prints one line per problem (`FILE: problem`) and `FILE: ok (...)`; exits 1 on any problem.
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

LIMITS = {"runs": 20, "results": 25000, "rules": 25000, "tags": 20, "locations": 1000, "gzip_bytes": 10 * 1024 * 1024}


def schema_problems(log, schema):
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"schema: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in validator.iter_errors(log)]


def multitool_problems(path, multitool):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "validation.sarif")
        cmd = [multitool, "validate", "--rule-kind", "Sarif;Gh", "--output", out, "--log", "ForceOverwrite;PrettyPrint", path]
        env = dict(os.environ)
        run = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if not os.path.exists(out):
            # Without ICU, .NET refuses to start unless globalization is invariant.
            env["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1"
            run = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if not os.path.exists(out):
            return [f"multitool did not run (exit {run.returncode}): {(run.stderr or run.stdout).strip()[:300]}"]
        with open(out, encoding="utf-8-sig") as f:
            report = json.load(f)
    problems = []
    for r in (report.get("runs") or [{}])[0].get("results", []):
        if r.get("level", "warning") == "error":
            problems.append(f"multitool {r.get('ruleId')}: {r.get('message', {}).get('text', '')[:300]}")
    for inv in (report.get("runs") or [{}])[0].get("invocations", []):
        for n in inv.get("toolExecutionNotifications", []) or []:
            if n.get("level") == "error":
                problems.append(f"multitool failed: {n.get('message', {}).get('text', '')[:300]}")
    return problems


def github_problems(path, log):
    problems = []
    if log.get("version") != "2.1.0":
        problems.append(f"version is {log.get('version')!r}, GitHub accepts 2.1.0")
    runs = log.get("runs") or []
    if len(runs) > LIMITS["runs"]:
        problems.append(f"{len(runs)} runs (GitHub's limit is {LIMITS['runs']})")
    categories = [((r.get("tool") or {}).get("driver", {}).get("name"), (r.get("automationDetails") or {}).get("id")) for r in runs]
    if len(set(categories)) != len(categories):
        problems.append("two runs share a tool and category: GitHub keeps only one")
    for i, run in enumerate(runs):
        rules = (run.get("tool") or {}).get("driver", {}).get("rules") or []
        results = run.get("results") or []
        if len(rules) > LIMITS["rules"]:
            problems.append(f"run {i}: {len(rules)} rules (limit {LIMITS['rules']})")
        if len(results) > LIMITS["results"]:
            problems.append(f"run {i}: {len(results)} results (limit {LIMITS['results']})")
        ids = set()
        for rule in rules:
            rid = rule.get("id")
            ids.add(rid)
            props = rule.get("properties") or {}
            tags = props.get("tags") or []
            if len(tags) > LIMITS["tags"]:
                problems.append(f"rule {rid}: {len(tags)} tags (limit {LIMITS['tags']})")
            if "security-severity" in props:
                value = props["security-severity"]
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    number = None
                if not isinstance(value, str) or number is None or not 0 < number <= 10:
                    problems.append(f"rule {rid}: security-severity {value!r} is not a number in (0, 10] given as a string")
        for j, res in enumerate(results):
            where = f"run {i} result {j} ({res.get('ruleId')})"
            if res.get("ruleId") not in ids:
                problems.append(f"{where}: ruleId is not a rule of the run")
            locations = res.get("locations") or []
            if len(locations) > LIMITS["locations"]:
                problems.append(f"{where}: {len(locations)} locations (limit {LIMITS['locations']})")
            uri = ((((locations or [{}])[0].get("physicalLocation") or {}).get("artifactLocation")) or {}).get("uri")
            if not uri:
                problems.append(f"{where}: no physicalLocation.artifactLocation.uri (GitHub rejects the whole upload)")
            elif "://" in uri or uri.startswith("/") or ".." in uri.split("/"):
                problems.append(f"{where}: uri {uri!r} is not relative to the repository")
            line = (((locations or [{}])[0].get("physicalLocation") or {}).get("region") or {}).get("startLine")
            if uri and (not isinstance(line, int) or line < 1):
                problems.append(f"{where}: no region.startLine >= 1")
            if not (res.get("partialFingerprints") or {}).get("primaryLocationLineHash"):
                problems.append(f"{where}: no partialFingerprints.primaryLocationLineHash (alerts would move with lines)")
            if not (res.get("message") or {}).get("text"):
                problems.append(f"{where}: no message text")
    with open(path, "rb") as f:
        size = len(gzip.compress(f.read()))
    if size > LIMITS["gzip_bytes"]:
        problems.append(f"{size} bytes gzipped (limit {LIMITS['gzip_bytes']})")
    return problems


def check(path, multitool, schema):
    try:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
    except (OSError, ValueError) as e:
        return [f"not readable JSON: {e}"], None
    if not isinstance(log, dict):
        return ["not a SARIF object"], None
    problems = schema_problems(log, schema) + github_problems(path, log) + multitool_problems(path, multitool)
    runs = log.get("runs") or [{}]
    counts = (sum(len(r.get("results") or []) for r in runs), sum(len(((r.get("tool") or {}).get("driver") or {}).get("rules") or []) for r in runs))
    return problems, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multitool", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    with open(args.schema, encoding="utf-8-sig") as f:
        schema = json.load(f)
    failed = False
    for path in args.files:
        problems, counts = check(path, args.multitool, schema)
        for p in problems:
            print(f"{path}: {p}")
        if problems:
            failed = True
        else:
            print(f"{path}: ok ({counts[0]} results, {counts[1]} rules)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
