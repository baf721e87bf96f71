#!/usr/bin/env bash
# Debian packages of the local cluster (deploy/local-cluster.sh and tests/tests/cluster_*.rs):
# nginx (the load balancer) and redis-server (the shared store of the handshake era; started by
# the cluster already, used by a later part of issue 14). Installed when missing; needs root
# (CI runs as root) and Debian's package registry. Without them the cluster tests say they skipped.
#
# Run by `.ci/run`; on its own: `bash .ci/setup-cluster.sh`.
set -euo pipefail
exec bash "$(dirname "$0")/../deploy/install-packages.sh"
