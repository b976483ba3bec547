#!/usr/bin/env bash
# Sets up (system libraries, release build) and runs every test: the Swift test suite,
# the layout check (`dpl fmt --check`), the editor grammar's test when
# vscode-tmgrammar-test is installed, and the shared conformance programs when ../shared
# is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
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
