#!/usr/bin/env bash
# Sets up (system libraries, release build) and runs every test: the Swift test suite
# and the shared conformance programs when ../shared is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build --parallel --num-workers 2
if [ -f ../shared/conformance/run.py ]; then
  python3 ../shared/conformance/run.py .build/release/dpl ../shared/conformance
else
  echo "conformance: ../shared/conformance not found, skipped" >&2
fi
