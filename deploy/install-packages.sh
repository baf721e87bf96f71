#!/usr/bin/env bash
# Install nginx and redis-server from Debian's packages when missing (needs root and apt-get).
# The packages' own services are not started: deploy/local-cluster.sh runs its own instances,
# as the current user, with all their state in its run directory.
set -euo pipefail

declare -A package_of=([nginx]=nginx [redis-server]=redis-server)
missing=()
for program in nginx redis-server; do
  if ! command -v "$program" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$program" ]; then
    missing+=("${package_of[$program]}")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-packages: nginx and redis-server present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-packages: cannot install ${missing[*]}: needs root and apt-get (install them yourself)" >&2
  exit 2
fi
echo "install-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian starts a package's service on install; the cluster runs its own instances instead.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  made_policy=1
fi
trap '[ -n "$made_policy" ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-packages: installed ${missing[*]}"
