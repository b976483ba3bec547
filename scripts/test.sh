#!/usr/bin/env bash
# Sets up (system libraries, release build) and runs every test: the Swift test suite
# (the Jupyter kernel's test among them when a Python has jupyter_client and ipykernel:
# `DPL_JUPYTER=packages scripts/setup.sh` installs them in .build/jupyter), the layout
# check (`dpl fmt --check`), the editor grammar's test when vscode-tmgrammar-test is
# installed, and the shared conformance programs when ../shared is present.
#
# DPL_CLUSTER=local (CI) also starts a single-node SLURM on this machine
# (scripts/cluster-local.sh, root or sudo) for the cluster tests, which then must run, and
# stops it at the end unless it was up before; without it they show as skipped unless a
# SLURM node answers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "${DPL_CLUSTER:-}" = local ]; then
  if ! { command -v sinfo >/dev/null && sinfo --noheader >/dev/null 2>&1; }; then
    trap 'scripts/cluster-local.sh stop' EXIT
  fi
  scripts/cluster-local.sh start
  export DPL_REQUIRE_CLUSTER=1
fi
swift build --build-tests
swift test --skip-build --parallel --num-workers 2
if ! .build/release/dpl fmt --check programs stdlib docs/*.md README.md; then
  echo "fmt: the files above are not laid out by dpl fmt; run: dpl fmt programs stdlib docs/*.md README.md" >&2
  exit 1
fi
echo "fmt: programs, stdlib and the docs' dpl blocks are formatted" >&2
scripts/test-grammar.sh
if [ -f ../shared/conformance/run.py ]; then
  python3 ../shared/conformance/run.py .build/release/dpl ../shared/conformance
else
  echo "conformance: ../shared/conformance not found, skipped" >&2
fi
