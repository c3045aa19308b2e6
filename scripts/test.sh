#!/usr/bin/env bash
# The README's test command: installs tinygrad_lite with its test extra, runs the parity suite.
# HYPOTHESIS_PROFILE=ci|dev|thorough picks the hypothesis profile (default: ci).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e ".[test]"
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
python -m pytest parity_tests -n "${PYTEST_WORKERS:-2}" -p no:cacheprovider "$@"
