#!/usr/bin/env python3
"""`make bench-org`: driftscan over an emulated AWS Organization, and over a directory of
many synthetic accounts. Loopback only; prints figures, asserts nothing.

    org.py --driftscan target/debug/driftscan --python .venv/bin/python [--members 20]
           [--offline 50x2000,1000x100] [--skip-live] [--out target/bench/org]

Live: moto with a management account and MEMBERS members (fixtures/moto/seed.py org), each
seeded like the end-to-end account; `driftscan snapshot --org` is timed against the
emulator's call floor: the calls it made divided by the rate moto answers its cheapest call
(sts:GetCallerIdentity) from as many threads as driftscan's --concurrency (16). Real calls
cost moto more than that one, so the floor is low and the ratio to it high: conservative.

Offline: ACCOUNTS copies of one synthetic account of RESOURCES resources (bench/synth.py),
each under its own account id, with baselines; `driftscan scan --snapshot DIR` against the
scan of one of them alone: wall time and peak memory (bounded by the largest account when
accounts are streamed, by the sum when they are not).
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def timed(cmd, env=None):
    """(exit code, wall seconds, peak RSS MiB, stderr) of one run."""
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-f", "PEAK %M", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    peak = int(re.search(r"PEAK (\d+)", run.stderr).group(1)) / 1024
    return run.returncode, wall, peak, run.stderr


def live(args):
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    url = f"http://127.0.0.1:{number}"
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    moto = subprocess.Popen([args.python, os.path.join(ROOT, "fixtures/moto/server.py"), "-H", "127.0.0.1", "-p",
                             str(number)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", number), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        started = time.perf_counter()
        seeded = subprocess.run([args.python, os.path.join(ROOT, "fixtures/moto/seed.py"), "--endpoint", url, "org",
                                 "--count", str(args.members)], check=True, capture_output=True, text=True)
        members = json.loads(seeded.stdout)["members"]
        print(f"seeded an organization of 1 + {len(members)} accounts in {time.perf_counter() - started:.0f} s")

        rate = call_rate(args.python, url, threads=16, calls=800)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        out = os.path.join(args.out, "live")
        shutil.rmtree(out, ignore_errors=True)
        walls = []
        for _ in range(args.runs):
            code, wall, peak, log = timed([args.driftscan, "snapshot", "--org", "-o", out, "--endpoint-url", url,
                                           "--region", "us-east-1", "-v", "--color", "never"], env)
            if code != 0:
                sys.exit(f"snapshot --org failed ({code}): {log[-2000:]}")
            walls.append(wall)
        calls = sum(int(n) for line in log.splitlines() if "API calls per service" in line
                    for n in re.findall(r"[a-z0-9]+=(\d+)", line.split("calls=", 1)[1]))
        accounts = 1 + len(members)
        # Around the collection: ListAccounts, one AssumeRole and one GetCallerIdentity per account.
        calls += 1 + len(members) + accounts
        floor = calls / rate
        print(f"moto answers {rate:.0f} calls/s (sts:GetCallerIdentity from 16 threads)")
        print(f"snapshot --org of {accounts} accounts: {calls} calls; wall {' '.join(f'{w:.1f}' for w in walls)} s; "
              f"call floor {floor:.1f} s; ratio {min(walls) / floor:.2f}x (best run); peak {peak:.0f} MiB")
    finally:
        moto.kill()


def call_rate(python, url, threads, calls):
    """How many of its cheapest calls per second moto answers from `threads` clients."""
    script = f"""
import boto3, time
from concurrent.futures import ThreadPoolExecutor
c = boto3.client("sts", endpoint_url="{url}", region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing")
c.get_caller_identity()
started = time.perf_counter()
with ThreadPoolExecutor({threads}) as pool:
    list(pool.map(lambda _: c.get_caller_identity(), range({calls})))
print({calls} / (time.perf_counter() - started))
"""
    return float(subprocess.run([python, "-c", script], check=True, capture_output=True, text=True).stdout)


def offline(args, accounts, resources):
    out = os.path.join(args.out, f"offline-{accounts}x{resources}")
    shutil.rmtree(out, ignore_errors=True)
    synth = os.path.join(out, "synth")
    subprocess.run([sys.executable, os.path.join(HERE, "synth.py"), "--resources", str(resources), "--out", synth],
                   check=True, capture_output=True)
    with open(os.path.join(synth, "base.json")) as f:
        base = f.read()
    with open(os.path.join(synth, "drifted.json")) as f:
        drifted = f.read()
    approved, today = os.path.join(out, "approved"), os.path.join(out, "today")
    os.makedirs(approved)
    os.makedirs(today)
    for i in range(accounts):
        account = f"{200000000000 + i * 7919:012d}"
        for text, folder in ((base, approved), (drifted, today)):
            with open(os.path.join(folder, f"{account}.json"), "w") as f:
                f.write(text.replace("123456789012", account))
    baselines = os.path.join(out, "baselines")
    subprocess.run([args.driftscan, "baseline", "init", "--snapshot", approved, "--baselines", baselines, "-q"],
                   check=True, capture_output=True)
    one = sorted(os.listdir(today))[0]
    common = ["--baselines", baselines, "--format", "json", "-o", os.devnull, "--fail-on", "none", "-q"]
    _, single_wall, single_peak, _ = timed([args.driftscan, "scan", "--snapshot", os.path.join(today, one), *common])
    code, wall, peak, log = timed([args.driftscan, "scan", "--snapshot", today, *common])
    if code != 0:
        sys.exit(f"scan --snapshot DIR failed ({code}): {log[-2000:]}")
    size = os.path.getsize(os.path.join(today, one)) / 2**20
    print(f"offline: {accounts} accounts x {resources} resources ({size:.2f} MB of snapshot each)")
    print(f"  one account alone:  wall {single_wall:.2f} s, peak {single_peak:.0f} MiB")
    print(f"  all {accounts} accounts:    wall {wall:.2f} s, peak {peak:.0f} MiB "
          f"({peak / single_peak:.1f}x the single account's peak, for {accounts}x the data)")
    shutil.rmtree(out, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driftscan", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--offline", default="50x2000,1000x100",
                    help="offline organizations scanned from a snapshot directory: ACCOUNTSxRESOURCES,...")
    ap.add_argument("--skip-live", action="store_true", help="only the offline figures")
    ap.add_argument("--out", default="target/bench/org")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if not args.skip_live:
        live(args)
    for shape in args.offline.split(","):
        accounts, resources = (int(n) for n in shape.split("x"))
        offline(args, accounts, resources)


if __name__ == "__main__":
    main()
