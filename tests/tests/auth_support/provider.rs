//! The real authorization server of the tests: `oidc-provider` (installed by
//! `.ci/setup-oidc.sh` on first use) running tests/oidc/provider.mjs on a free loopback port.
