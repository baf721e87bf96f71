//! Compile-time guarantees of `#[tool]`/`#[tools]` and `Context`: misuse is rejected with a
//! readable error (`ui/fail`), correct use compiles and registers (`ui/pass`).
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p toolsmith-tests --test ui`
//! and review every `.stderr` diff as a user would read it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
