#!/usr/bin/env python3
"""Self-test of check_sarif.py: a minimal valid log passes, and each broken variant fails
(exit 1) with the expected complaint.

Usage: test_check_sarif.py --multitool PATH --schema PATH
Exits 1 if any case does not behave.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check_sarif.py")

VALID = {
    "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
    "version": "2.1.0",
    "runs": [{
        "tool": {"driver": {
            "name": "driftscan", "version": "0.1.0", "informationUri": "https://example.com/driftscan",
            "rules": [{
                "id": "DS-TEST-001", "name": "TestRule",
                "shortDescription": {"text": "A test rule."},
                "fullDescription": {"text": "A rule used to test the checker."},
                "help": {"text": "Fix it.", "markdown": "Fix it."},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security"], "security-severity": "7.5"},
            }],
        }},
        "automationDetails": {"id": "driftscan/111111111111/"},
        "results": [{
            "ruleId": "DS-TEST-001", "ruleIndex": 0, "level": "error",
            "message": {"text": "Something drifted."},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "baselines/111111111111/iam.json"},
                "region": {"startLine": 3}}}],
            "partialFingerprints": {"primaryLocationLineHash": "0123456789abcdef:1"},
        }],
        "columnKind": "utf16CodeUnits",
    }],
}


def variant(change):
    log = copy.deepcopy(VALID)
    change(log)
    return log


def run0(log):
    return log["runs"][0]


def rule0(log):
    return run0(log)["tool"]["driver"]["rules"][0]


def result0(log):
    return run0(log)["results"][0]


def set_uri(uri):
    return lambda l: result0(l)["locations"][0]["physicalLocation"]["artifactLocation"].update(uri=uri)


def many_runs(log):
    log["runs"] = [copy.deepcopy(run0(log)) for _ in range(21)]
    for i, run in enumerate(log["runs"]):
        run["automationDetails"]["id"] = f"driftscan/{i}/"


# (name, broken log, text the checker's output must contain)
CASES = [
    ("file:// uri", variant(set_uri("file:///etc/passwd")), "uri 'file:///etc/passwd' is not a path relative"),
    ("https uri", variant(set_uri("https://example.com/iam.json")), "is not a path relative"),
    ("leading-slash uri", variant(set_uri("/etc/passwd")), "uri '/etc/passwd' is not a path relative"),
    ("dot-dot uri", variant(set_uri("baselines/../../etc/passwd")), "is not a path relative"),
    ("no locations", variant(lambda l: result0(l).pop("locations")), "no location with physicalLocation.artifactLocation.uri"),
    ("logical location only", variant(lambda l: result0(l).update(locations=[{"logicalLocations": [{"fullyQualifiedName": "arn:aws:iam::1:user/x"}]}])),
     "no location with physicalLocation.artifactLocation.uri"),
    ("no startLine", variant(lambda l: result0(l)["locations"][0]["physicalLocation"].pop("region")), "no region.startLine"),
    ("security-severity 11", variant(lambda l: rule0(l)["properties"].update({"security-severity": "11"})), "security-severity '11'"),
    ("security-severity 0", variant(lambda l: rule0(l)["properties"].update({"security-severity": "0"})), "security-severity '0'"),
    ("numeric security-severity", variant(lambda l: rule0(l)["properties"].update({"security-severity": 7.5})), "security-severity 7.5"),
    ("word security-severity", variant(lambda l: rule0(l)["properties"].update({"security-severity": "high"})), "security-severity 'high'"),
    ("unknown ruleId", variant(lambda l: result0(l).update(ruleId="DS-NOPE-1")), "(DS-NOPE-1): ruleId is not a rule of tool.driver.rules"),
    ("wrong version", variant(lambda l: l.update(version="2.0.0")), "version is '2.0.0'"),
    ("wrong $schema", variant(lambda l: l.update({"$schema": "https://example.com/sarif-2.0.0.json"})), "$schema is 'https://example.com/sarif-2.0.0.json'"),
    ("no partialFingerprints", variant(lambda l: result0(l).pop("partialFingerprints")), "no partialFingerprints"),
    ("empty partialFingerprints", variant(lambda l: result0(l).update(partialFingerprints={})), "no partialFingerprints"),
    ("fingerprint without primaryLocationLineHash", variant(lambda l: result0(l).update(partialFingerprints={"other": "x"})),
     "no primaryLocationLineHash"),
    ("21 tags", variant(lambda l: rule0(l)["properties"].update(tags=[f"t{i}" for i in range(21)])), "21 tags"),
    ("21 runs", variant(many_runs), "21 runs"),
    ("duplicate category", variant(lambda l: l["runs"].append(copy.deepcopy(run0(l)))), "same tool and automationDetails.id"),
    ("schema violation", variant(lambda l: result0(l).update(level="fatal")), "schema: runs/0/results/0/level"),
    # only the multitool's GitHub rules catch this one
    ("rule without help", variant(lambda l: rule0(l).pop("help")), "multitool GH2012"),
]


def check(args, *paths):
    return subprocess.run([sys.executable, CHECKER, "--multitool", args.multitool, "--schema", args.schema, *paths],
                          capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multitool", required=True)
    parser.add_argument("--schema", required=True)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, log):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(log, f, indent=2)
            return path

        good = write("valid.sarif", VALID)
        out = check(args, good)
        if out.returncode != 0 or out.stdout.strip() != f"{good}: ok (1 results, 1 rules)":
            failures.append(f"valid log: expected exit 0 and one ok line, got exit {out.returncode}:\n{out.stdout}{out.stderr}")

        paths = [write(name.replace(" ", "-").replace("/", "_") + ".sarif", log) for name, log, _ in CASES]
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            outs = list(pool.map(lambda p: check(args, p), paths))
        for (name, _, expected), path, out in zip(CASES, paths, outs):
            lines = out.stdout.splitlines()
            if out.returncode != 1 or not any(expected in line for line in lines) \
                    or not all(line.startswith(f"{path}: ") for line in lines) or ": ok (" in out.stdout:
                failures.append(f"{name}: expected exit 1 and a line with {expected!r}, got exit {out.returncode}:\n{out.stdout}{out.stderr}")

        # several files in one call: each judged on its own, exit 1 if any fails
        bad = os.path.join(tmp, "no-partialFingerprints.sarif")
        out = check(args, good, bad)
        if out.returncode != 1 or f"{good}: ok (1 results, 1 rules)" not in out.stdout or f"{bad}: " not in out.stdout:
            failures.append(f"two files: expected exit 1, an ok line for the valid one and problems for the other, got exit {out.returncode}:\n{out.stdout}{out.stderr}")
        total = len(CASES) + 2

    for f in failures:
        print(f"FAIL {f}")
    print(f"{total - len(failures)} of {total} checker cases behave")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
