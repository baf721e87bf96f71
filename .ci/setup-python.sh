#!/usr/bin/env bash
# Creates <workspace>/.venv with the Python MCP SDK used by the interop test
# (tests/tests/interop_python.rs). Idempotent: a second run with an unchanged
# requirements file does nothing.
#
# Needs CPython >= 3.10 (python3, or $PYTHON) and access to PyPI.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQ="$ROOT/tests/interop/python/requirements.txt"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.toolsmith-requirements.sha256"

command -v "$PYTHON" >/dev/null 2>&1 || { echo "setup-python: $PYTHON not found" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { echo "setup-python: $PYTHON is older than 3.10 (mcp needs >= 3.10)" >&2; exit 1; }

want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
   && "$VENV/bin/python" -c 'import mcp' >/dev/null 2>&1; then
  echo "setup-python: $VENV is up to date"
  exit 0
fi

# A venv whose interpreter no longer runs (e.g. the base Python moved) is rebuilt.
if [ -e "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
  # Debian's python3 lacks ensurepip unless python3-venv is installed; then make
  # the venv without pip and drive it with the system pip (--python, pip >= 22.3).
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    "$PYTHON" -m venv --without-pip "$VENV"
  fi
fi

if "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  PIP=("$VENV/bin/python" -m pip)
elif "$PYTHON" -m pip --version >/dev/null 2>&1; then
  PIP=("$PYTHON" -m pip --python "$VENV/bin/python")
else
  echo "setup-python: no pip available (neither in $VENV nor for $PYTHON)" >&2
  exit 1
fi

rm -f "$STAMP"
"${PIP[@]}" install --quiet --disable-pip-version-check --no-input -r "$REQ"
"$VENV/bin/python" -c 'import mcp'
echo "$want" > "$STAMP"
echo "setup-python: installed $(basename "$REQ") into $VENV"
