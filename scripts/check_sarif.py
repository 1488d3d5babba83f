#!/usr/bin/env python3
"""Checks SARIF files the way GitHub code scanning will judge them, and fails on any error:

1. the SARIF 2.1.0 JSON schema (jsonschema, with the draft the schema declares);
2. Microsoft's SARIF multitool, `validate --rule-kind "Sarif;Gh"` (best practices and GitHub's
   ingestion rules). Its exit code is 0 even when it finds errors, so they are counted from
   its output log;
3. what GitHub enforces that the multitool does not: a repo-relative
   `physicalLocation.artifactLocation.uri` (and `region.startLine`) on every result, a
   `security-severity` string holding a number in (0, 10], rule ids that exist in
   `tool.driver.rules`, non-empty `partialFingerprints` with `primaryLocationLineHash`,
   `version`/`$schema` 2.1.0, one run per tool+category, and the documented upload limits
   (20 runs, 25,000 results and rules per run, 100 tool extensions per run, 1,000 locations
   and 10,000 thread-flow locations per result, 20 tags per rule, 10 MB gzipped).

Usage: check_sarif.py --multitool PATH --schema PATH FILE.sarif...
Prints one line per problem (`FILE: problem`), or `FILE: ok (N results, M rules)`;
exits 1 if any file has a problem, 2 on usage errors.
"""

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema

LIMITS = {
    "runs": 20,
    "results": 25000,
    "rules": 25000,
    "extensions": 100,
    "locations": 1000,
    "thread_flow_locations": 10000,
    "tags": 20,
    "gzip_bytes": 10 * 1024 * 1024,
}
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # file:, https:, C: ...


def obj(value):
    """`value` if it is a JSON object, else {} (the schema check reports the type error)."""
    return value if isinstance(value, dict) else {}


def arr(value):
    return value if isinstance(value, list) else []


def schema_problems(log, schema):
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for e in sorted(validator.iter_errors(log), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(map(str, e.absolute_path)) or "(root)"
        problems.append(f"schema: {where}: {e.message[:200]}")
    return problems


def run_multitool(cmd, env):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess(cmd, -1, "", str(e))


def message_text(message, result, rules):
    """A result's message: its text, or its rule's messageStrings[id] with {0}, {1}... filled in."""
    if message.get("text"):
        return message["text"]
    rule = next((obj(r) for r in rules if obj(r).get("id") == result.get("ruleId")), {})
    template = obj(obj(rule.get("messageStrings")).get(message.get("id"))).get("text")
    if not template:
        return f"{message.get('id')} {arr(message.get('arguments'))}"
    args = [str(a) for a in arr(message.get("arguments"))]
    return re.sub(r"\{(\d+)\}", lambda m: args[int(m.group(1))] if int(m.group(1)) < len(args) else m.group(0), template)


def multitool_problems(path, multitool):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "validation.sarif")
        cmd = [multitool, "validate", "--rule-kind", "Sarif;Gh", "--output", out,
               # --log, like --rule-kind, is rejected as "bad format" with a single value.
               "--log", "ForceOverwrite;PrettyPrint", os.path.abspath(path)]
        env = dict(os.environ)
        proc = run_multitool(cmd, env)
        if not os.path.exists(out) and "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT" not in env:
            # Without libicu the .NET runtime aborts; invariant globalization is fine here.
            env["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1"
            proc = run_multitool(cmd, env)
        console = " ".join(((proc.stdout or "") + (proc.stderr or "")).split())  # one line
        if not os.path.exists(out):
            return [f"multitool did not run (exit {proc.returncode}): {console[:300]}"]
        try:
            with open(out, encoding="utf-8-sig") as f:
                report = json.load(f)
        except ValueError as e:
            return [f"multitool wrote an unreadable log: {e}"]
    problems = []
    # A bad argument ("bad format") or a crash still writes a log, so check the console too.
    if proc.returncode != 0 or re.search(r"ERR\d+|bad format|Unhandled exception", console):
        problems.append(f"multitool did not run cleanly (exit {proc.returncode}): {console[:300]}")
    for run in arr(obj(report).get("runs")):
        rules = arr(obj(obj(obj(run).get("tool")).get("driver")).get("rules"))
        for r in arr(obj(run).get("results")):
            if obj(r).get("level", "warning") == "error":
                text = message_text(obj(r.get("message")), r, rules)
                problems.append(f"multitool {r.get('ruleId')}: {' '.join(text.split())[:300]}")
        for inv in arr(obj(run).get("invocations")):
            inv = obj(inv)
            for n in arr(inv.get("toolExecutionNotifications")) + arr(inv.get("toolConfigurationNotifications")):
                if obj(n).get("level") == "error":
                    problems.append(f"multitool failed: {obj(n.get('message')).get('text', '')[:300]}")
    return problems


def security_severity_ok(value):
    if not isinstance(value, str):
        return False
    try:
        number = float(value)
    except ValueError:
        return False
    return 0 < number <= 10


def github_problems(path, log):
    problems = []
    if log.get("version") != "2.1.0":
        problems.append(f"version is {log.get('version')!r}; GitHub accepts only \"2.1.0\"")
    schema_uri = log.get("$schema")
    if not isinstance(schema_uri, str) or "2.1.0" not in schema_uri:
        problems.append(f"$schema is {schema_uri!r}; expected a SARIF 2.1.0 schema URI")
    runs = arr(log.get("runs"))
    if len(runs) > LIMITS["runs"]:
        problems.append(f"{len(runs)} runs (GitHub rejects more than {LIMITS['runs']})")
    seen_categories = set()
    for i, run in enumerate(runs):
        run = obj(run)
        tool = obj(run.get("tool"))
        driver = obj(tool.get("driver"))
        category = (driver.get("name"), obj(run.get("automationDetails")).get("id"))
        if category in seen_categories:
            problems.append(f"run {i}: same tool and automationDetails.id as an earlier run "
                            "(GitHub rejects several runs with one category)")
        seen_categories.add(category)
        rules = arr(driver.get("rules"))
        results = run.get("results")
        if not isinstance(results, list):
            problems.append(f"run {i}: no results array (upload-sarif: \"Missing 'results' array in run\")")
            results = []
        for what, items in (("rules", rules), ("results", results), ("extensions", arr(tool.get("extensions")))):
            if len(items) > LIMITS[what]:
                problems.append(f"run {i}: {len(items)} {what} (GitHub rejects more than {LIMITS[what]})")
        ids = set()
        for rule in rules:
            rule = obj(rule)
            rid = rule.get("id")
            ids.add(rid)
            props = obj(rule.get("properties"))
            tags = arr(props.get("tags"))
            if len(tags) > LIMITS["tags"]:
                problems.append(f"rule {rid}: {len(tags)} tags (GitHub rejects more than {LIMITS['tags']})")
            if "security-severity" in props and not security_severity_ok(props["security-severity"]):
                problems.append(f"rule {rid}: security-severity {props['security-severity']!r} is not "
                                "a string holding a number in (0, 10]")
        for j, res in enumerate(results):
            res = obj(res)
            rid = res.get("ruleId", obj(res.get("rule")).get("id"))
            where = f"run {i} result {j} ({rid})"
            if rid not in ids:
                problems.append(f"{where}: ruleId is not a rule of tool.driver.rules")
            if not obj(res.get("message")).get("text"):
                problems.append(f"{where}: no message text")
            locations = arr(res.get("locations"))
            if len(locations) > LIMITS["locations"]:
                problems.append(f"{where}: {len(locations)} locations (GitHub rejects more than {LIMITS['locations']})")
            flow_locations = sum(len(arr(obj(tf).get("locations")))
                                 for flow in arr(res.get("codeFlows")) for tf in arr(obj(flow).get("threadFlows")))
            if flow_locations > LIMITS["thread_flow_locations"]:
                problems.append(f"{where}: {flow_locations} thread-flow locations "
                                f"(GitHub rejects more than {LIMITS['thread_flow_locations']})")
            # GitHub places the alert at the first location and rejects the whole upload
            # when it has no physicalLocation.artifactLocation.uri.
            physical = obj(obj(locations[0] if locations else None).get("physicalLocation"))
            uri = obj(physical.get("artifactLocation")).get("uri")
            if not isinstance(uri, str) or not uri:
                problems.append(f"{where}: no location with physicalLocation.artifactLocation.uri "
                                "(GitHub rejects the whole upload)")
            else:
                if SCHEME.match(uri) or uri.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", uri):
                    problems.append(f"{where}: uri {uri!r} is not a path relative to the repository")
                line = obj(physical.get("region")).get("startLine")
                if not isinstance(line, int) or line < 1:
                    problems.append(f"{where}: no region.startLine >= 1")
            fingerprints = obj(res.get("partialFingerprints"))
            if not fingerprints:
                problems.append(f"{where}: no partialFingerprints (alerts would reopen when lines move)")
            elif not fingerprints.get("primaryLocationLineHash"):
                problems.append(f"{where}: partialFingerprints has no primaryLocationLineHash")
    with open(path, "rb") as f:
        size = len(gzip.compress(f.read()))
    if size > LIMITS["gzip_bytes"]:
        problems.append(f"{size} bytes gzipped (GitHub's upload limit is {LIMITS['gzip_bytes']})")
    return problems


def check(path, multitool, schema):
    """Returns (problems, (results, rules))."""
    try:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
    except (OSError, ValueError) as e:
        return [f"not readable JSON: {e}"], None
    if not isinstance(log, dict):
        return ["not a SARIF log (the top level is not an object)"], None
    problems = schema_problems(log, schema) + github_problems(path, log) + multitool_problems(path, multitool)
    runs = [obj(r) for r in arr(log.get("runs"))]
    results = sum(len(arr(r.get("results"))) for r in runs)
    rules = sum(len(arr(obj(obj(r.get("tool")).get("driver")).get("rules"))) for r in runs)
    return problems, (results, rules)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multitool", required=True, help="path to the native Sarif.Multitool binary")
    parser.add_argument("--schema", required=True, help="path to sarif-2.1.0.json")
    parser.add_argument("files", nargs="+", metavar="FILE.sarif")
    args = parser.parse_args()
    if not os.access(args.multitool, os.X_OK):
        parser.error(f"multitool {args.multitool} is missing or not executable (run `make sarif-tools`)")
    try:
        with open(args.schema, encoding="utf-8-sig") as f:
            schema = json.load(f)
    except (OSError, ValueError) as e:
        parser.error(f"cannot read schema {args.schema}: {e}")
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
