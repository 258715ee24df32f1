//! Compile-fail tests: one failure per file in `tests/ui/`, named `<attribute>_<failure>.rs`,
//! with the expected compiler output checked in beside it as `.stderr`.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui` and read every diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
