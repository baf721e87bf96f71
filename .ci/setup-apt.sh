#!/usr/bin/env bash
# Debian packages the tests use, installed when missing: tmux (the `toolsmith` command's terminal
# test draws its progress bar in a detached tmux session). Needs root (CI runs as root) and
# Debian's package registry; on a machine without either the terminal test says it skipped.
#
# Run by `.ci/run`; on its own: `bash .ci/setup-apt.sh`.
set -euo pipefail

packages=(tmux)
missing=()
for p in "${packages[@]}"; do
  command -v "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-apt: ${packages[*]} present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-apt: cannot install ${missing[*]} (needs root and apt-get)" >&2
  exit 2
fi
echo "setup-apt: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
