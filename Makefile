# driftscan — the two commands a fresh machine needs: `make demo` and `make test`.
# Both install what they need: Rust crates (cargo), the Python venv with moto and
# jsonschema (.venv/), and Microsoft's SARIF multitool (.tools/, from npm).

CARGO      ?= cargo
PYTHON     ?= python3
VENV       := .venv
VENV_PY    := $(VENV)/bin/python
TOOLS      := .tools
MULTITOOL_VERSION := 5.7.0
MULTITOOL  := $(TOOLS)/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
SARIF_SCHEMA := $(TOOLS)/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json
BIN        := target/debug/driftscan
# Cargo's build directory lives outside the clone, so a new clone (CI's, a developer's second
# worktree) starts from the dependencies built last time instead of from nothing; `target` in
# the clone is a link to it, so every path under target/ still works. One directory, not one
# per Cargo.lock: cargo rebuilds only what a lock change touches, a new directory would
# rebuild everything. A new machine fills it on its first run. An existing target/ directory
# (not a link) is left as it is and used.
CACHE_DIR  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/driftscan
# Clippy in the same compilation as the tests: cargo runs clippy-driver instead of rustc for
# the workspace's own crates only, so the dependencies are built once (a separate
# `cargo clippy` built every one of them again in check mode: 4 min 40 s of a fresh run).
CLIPPY_DRIVER ?= $(shell rustup which clippy-driver 2>/dev/null || command -v clippy-driver)

.PHONY: all build target-dir demo test venv sarif-tools sarif-check browser fuzz bench bench-live bench-prowler bench-iam bench-org bench-evidence clean

all: build

target-dir:
	@if [ -L target ] || [ ! -e target ]; then mkdir -p "$(CACHE_DIR)/target" && ln -sfn "$(CACHE_DIR)/target" target; fi

build: target-dir
	$(CARGO) build --locked

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

$(MULTITOOL):
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@$(MULTITOOL_VERSION)
	chmod u+x $(MULTITOOL)

sarif-tools: $(MULTITOOL) $(VENV)/.installed

# The demo: the committed "today" snapshot of a fictional account against its committed
# baseline. It needs no AWS SDK (it scans a snapshot file), so it builds without it and
# unoptimized (profile `demo`): the same scan pipeline, a fraction of the compile time. driftscan exits 1 because the account
# has drifted; scripts/demo_check.py explains that and checks every planted drift was found.
DEMO_BIN   := target/demo/driftscan
demo: target-dir
	$(CARGO) build --locked --no-default-features --profile demo
	@$(DEMO_BIN) scan --snapshot fixtures/demo/today.json --baselines baselines \
	  --sarif demo.sarif --json demo.json; rc=$$?; \
	  echo; echo "wrote demo.sarif and demo.json"; \
	  $(PYTHON) scripts/demo_check.py $$rc demo.json fixtures/demo/expected-findings.tsv
	@# SOC 2 evidence from the committed sample reports (fixtures/evidence/generate.py made
	@# them with driftscan: 14 days of the demo account, one missed, its drift fixed in 7).
	@$(DEMO_BIN) evidence build --reports fixtures/evidence/reports --from 2026-11-17 --to 2026-11-30 \
	  --baselines baselines -o demo-evidence
	@$(DEMO_BIN) evidence verify demo-evidence
	@echo "wrote demo-evidence/ (open demo-evidence/index.html)"

# Validates the demo's SARIF with the multitool (GitHub ingestion rules), the schema and
# GitHub's limits. `make test` does the same inside `cargo test` (tests/sarif_valid.rs).
sarif-check: sarif-tools build
	@$(BIN) scan --snapshot fixtures/demo/today.json --baselines baselines --sarif target/demo.sarif --format json -o target/demo.json; \
	  rc=$$?; [ $$rc -eq 1 ] || { echo "demo scan exited $$rc, expected 1"; exit 1; }
	$(VENV_PY) scripts/check_sarif.py --multitool $(MULTITOOL) --schema $(SARIF_SCHEMA) target/demo.sarif

# Headless Chromium for the HTML report test (Debian package; needs root or an existing install).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Formatting first (it fails in seconds), then every crate's tests in one cargo invocation
# with clippy's lints (`-D warnings`; lib, bin, tests and examples, as `cargo test` builds them) run by the same
# compiler pass that builds them, so nothing is built twice. The tests that need tools (moto,
# the multitool, jsonschema) fail instead of skipping when they are missing.
test: target-dir sarif-tools browser
	@# Every tracked Rust file, not only those `cargo fmt` reaches from a crate root: the
	@# collectors' modules are declared by the services table (a macro), which rustfmt does not read.
	git ls-files -z '*.rs' | xargs -0 rustfmt --check --edition 2024
	@[ -x "$(CLIPPY_DRIVER)" ] || { echo "clippy-driver not found: rustup component add clippy"; exit 2; }
	RUSTC_WORKSPACE_WRAPPER=$(CLIPPY_DRIVER) CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__ \
	DRIFTSCAN_PYTHON=$(abspath $(VENV_PY)) \
	DRIFTSCAN_MULTITOOL=$(abspath $(MULTITOOL)) DRIFTSCAN_SARIF_SCHEMA=$(abspath $(SARIF_SCHEMA)) \
	DRIFTSCAN_REQUIRE_TOOLS=1 \
	  $(CARGO) test --locked --workspace

# Benchmarks print figures; they never assert a time (see BENCHMARKS.md).
bench: build
	$(CARGO) build --locked --example parse_floor -p driftscan-core
	bench/run.sh

# Live collection against moto: seed a large account, then time `driftscan snapshot` and
# count its API calls per service.
bench-live: build venv
	bench/live.sh

# Prowler 5 side by side on the same moto account (its own virtualenv, ~2.3 GB).
.venv-prowler/.installed:
	$(PYTHON) -m venv .venv-prowler
	.venv-prowler/bin/pip install --quiet --disable-pip-version-check 'prowler>=5,<6'
	touch $@

bench-prowler: build venv .venv-prowler/.installed
	bench/prowler.sh

# IAM accuracy: driftscan and Cloudsplaining (its own virtualenv) on the AWS managed policies
# moto ships: paths found, read-only alarms, PassRole to unpassable services, time, memory.
.venv-iam/.installed:
	$(PYTHON) -m venv .venv-iam
	.venv-iam/bin/pip install --quiet --disable-pip-version-check 'cloudsplaining==0.9.1'
	touch $@

# SOC 2 evidence at scale: 365 days x 100 accounts of daily reports, then `evidence build`.
bench-evidence: build
	PYTHON=$(PYTHON) bench/evidence.sh

bench-org: build venv
	$(PYTHON) bench/org.py --driftscan $(BIN) --python $(VENV_PY)

bench-iam: build venv .venv-iam/.installed
	$(PYTHON) bench/iam.py --driftscan $(BIN) --moto-python $(VENV_PY) --cloudsplaining-python .venv-iam/bin/python

# Fuzzing (libFuzzer via cargo-fuzz, nightly; not part of `make test`): each target runs
# FUZZ_SECONDS on top of its committed seed corpus (fuzz/corpus/<target>/); an input taking
# over 10 s counts as a crash, since a hang is as bad as a panic for a cron scan.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := policy snapshot baseline rule credential_report
fuzz:
	@rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo +nightly install cargo-fuzz --locked
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s"; \
	  mkdir -p fuzz/work/$$t; \
	  cargo +nightly fuzz run $$t fuzz/work/$$t fuzz/corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	    || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in$$failed (inputs in fuzz/artifacts/)"; exit 1; fi

clean:
	$(CARGO) clean
	rm -rf $(VENV) $(TOOLS) demo.sarif demo.json demo-evidence
