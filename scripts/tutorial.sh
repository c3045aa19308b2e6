#!/usr/bin/env bash
# The README's main job: install tinygrad_lite (+ tqdm, graphviz bindings, and torch for the
# side-by-side column), then run the seeds' walkthrough. Extra arguments go to the tutorial,
# e.g. ./scripts/tutorial.sh --steps 500 --graph graphs/
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e ".[tutorial,viz]" "torch==2.13.0"
command -v dot >/dev/null || echo "(graphviz 'dot' not found: graphs are saved as DOT text; apt-get install graphviz for SVG)"
python scripts/compare_tutorial.py "$@"
