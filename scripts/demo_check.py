#!/usr/bin/env python3
"""Explains the demo scan's exit code and checks that it found every planted drift.

usage: demo_check.py EXIT_CODE REPORT.json fixtures/demo/expected-findings.tsv

driftscan exits 1 on the demo because the account has drifted; that is the demo working.
This script exits 0 when the report holds every expected (rule, resource) pair as new,
and 1 otherwise, so that `make demo` fails only when the demo is really broken.
"""
import json
import sys

MEANING = {
    0: "no finding at or above --fail-on",
    1: "findings at or above --fail-on (default high)",
    2: "usage error or bad input",
    3: "collection incomplete",
}


def main() -> int:
    code, report_path, expected_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    print(f"driftscan exited {code}: {MEANING.get(code, 'unexpected exit code')}.")
    if code != 1:
        print("demo FAILED: the demo account has drifted, so driftscan should exit 1")
        return 1
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    new = {(f["rule_id"], f["resource_id"].replace(":", "/").rsplit("/", 1)[-1])
           for f in report["findings"] if f["baseline_state"] == "new"}
    with open(expected_path, encoding="utf-8") as f:
        expected = [tuple(line.rstrip("\n").split("\t")) for line in f
                    if line.strip() and not line.startswith("#")]
    missing = [e for e in expected if e not in new]
    if missing:
        print("demo FAILED: planted drift not reported as new: "
              + ", ".join(f"{rule} on {res}" for rule, res in missing))
        return 1
    print(f"demo OK: all {len(expected)} planted drifts found as new "
          f"({len(report['findings'])} findings in all); that exit 1 is the expected result.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
