//! Interop tests need things `cargo` does not install: the Python SDK's venv, the TypeScript SDKs,
//! the MCP Inspector. A plain `cargo test` on a fresh clone skips those tests with a message that
//! says what is missing and which script installs it; `.ci/run` installs them all and sets
//! [`REQUIRE_ENV`], under which a missing prerequisite fails the test instead.

/// The environment variable `.ci/run` sets (to `1`): every interop prerequisite must be present.
pub const REQUIRE_ENV: &str = "TOOLSMITH_REQUIRE_INTEROP";

/// Whether a missing prerequisite fails the test ([`REQUIRE_ENV`] set to anything but `0` or
/// empty) rather than skipping it.
pub fn required() -> bool {
    std::env::var_os(REQUIRE_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// A prerequisite of `test` is missing (`why`, with the command that installs it): fail the test
/// when [`required`], otherwise print why it is skipped. Returns only when skipping; the caller
/// then returns from the test.
pub fn missing(test: &str, why: &str) {
    if required() {
        panic!("\n\n{test}: {why}\n({REQUIRE_ENV} is set, so a missing prerequisite fails)\n");
    }
    eprintln!(
        "\nSKIPPED {test}: {why}\n(set {REQUIRE_ENV}=1 to make this a failure instead; \
         `bash .ci/run` installs everything and sets it)\n"
    );
}
