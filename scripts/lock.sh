#!/usr/bin/env bash
# Regenerate requirements.txt, the lock file that the README's install takes: every package of
# pyproject.toml's extras all, dev and docs (gpu is left out: a GPU machine adds it), at exact
# versions with their hashes, resolved by pip-tools for Python 3.11 on Linux x86_64 (torch is
# the CPU build). Run it after changing a dependency in pyproject.toml, then commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
CUSTOM_COMPILE_COMMAND="scripts/lock.sh" .venv/bin/pip-compile --quiet --generate-hashes --strip-extras --unsafe-package translator \
  --no-emit-find-links --no-emit-index-url \
  --extra all --extra dev --extra docs --output-file requirements.txt pyproject.toml "$@"
