#!/usr/bin/env python3
"""Self-test of check_sarif.py: a minimal valid log passes, and each broken variant fails
with the expected complaint. Usage: test_check_sarif.py --multitool PATH --schema PATH"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

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


def broken(change):
    log = copy.deepcopy(VALID)
    change(log)
    return log


def result(log):
    return log["runs"][0]["results"][0]


CASES = [
    ("absolute uri", broken(lambda l: result(l)["locations"][0]["physicalLocation"]["artifactLocation"].update(uri="file:///etc/passwd")), "not relative"),
    ("no location", broken(lambda l: result(l).pop("locations")), "no physicalLocation.artifactLocation.uri"),
    ("security-severity 11", broken(lambda l: l["runs"][0]["tool"]["driver"]["rules"][0]["properties"].update({"security-severity": "11"})), "security-severity"),
    ("numeric security-severity", broken(lambda l: l["runs"][0]["tool"]["driver"]["rules"][0]["properties"].update({"security-severity": 7.5})), "security-severity"),
    ("unknown rule id", broken(lambda l: result(l).update(ruleId="DS-NOPE-1")), "ruleId is not a rule"),
    ("wrong version", broken(lambda l: l.update(version="2.0.0")), "version"),
    ("no fingerprint", broken(lambda l: result(l).pop("partialFingerprints")), "primaryLocationLineHash"),
    ("too many tags", broken(lambda l: l["runs"][0]["tool"]["driver"]["rules"][0]["properties"].update(tags=[f"t{i}" for i in range(21)])), "tags"),
    ("schema violation", broken(lambda l: result(l).update(level="fatal")), "schema"),
]


def run(args, path):
    return subprocess.run([sys.executable, os.path.join(HERE, "check_sarif.py"), "--multitool", args.multitool, "--schema", args.schema, path],
                          capture_output=True, text=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--multitool", required=True)
    parser.add_argument("--schema", required=True)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def write(name, log):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                json.dump(log, f)
            return path
        good = run(args, write("valid.sarif", VALID))
        if good.returncode != 0:
            failures.append(f"the valid log failed: {good.stdout}{good.stderr}")
        for name, log, expected in CASES:
            out = run(args, write(name.replace(" ", "-") + ".sarif", log))
            if out.returncode != 1 or expected not in out.stdout:
                failures.append(f"{name}: expected exit 1 mentioning {expected!r}, got exit {out.returncode}: {out.stdout}{out.stderr}")
    for f in failures:
        print(f)
    print(f"{len(CASES) + 1 - len(failures)} of {len(CASES) + 1} checker cases behave")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
