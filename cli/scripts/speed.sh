#!/usr/bin/env bash
# The checker's speed, against `cargo clippy` on the same code, measured in one run.
#
#   cli/scripts/speed.sh [TOKIO_CHECKOUT]
#
# TOKIO_CHECKOUT is a checkout of tokio-rs/tokio (default /tmp/tokio). Prints, for
# tokio's own crate, the checker's time (best of 3) over every target and over the lib
# alone (`--lib`, the files clippy reads), `cargo clippy -p tokio --features full` with
# its dependencies already built (the crate itself re-checked), and the ratios; then the
# checker's time on this workspace and on a generated 2,000-fn crate.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
tokio=${1:-/tmp/tokio}
[ -f "$tokio/tokio/Cargo.toml" ] || { echo "no tokio checkout at $tokio" >&2; exit 2; }

cargo build --quiet --release -p cargo-async-hygiene --manifest-path "$repo/Cargo.toml"
checker="$repo/target/release/cargo-async-hygiene"

# "WALL CPU" seconds of one command (user + system time of it and its children: on a
# shared machine wall time depends on the load, CPU time much less). Its output and
# exit status are ignored: reports are expected.
time_of() {
    local TIMEFORMAT='%R %U %S'
    { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%.3f %.3f", $1, $2 + $3 }'
}
# The run with the least CPU time of three.
best_of_3() {
    local best="" t
    for _ in 1 2 3; do
        t=$(time_of "$@")
        best=$(awk -v a="$best" -v b="$t" 'BEGIN { split(a, x, " "); split(b, y, " "); print (a == "" || y[2] < x[2]) ? b : a }')
    done
    echo "$best"
}
show() { awk -v t="$1" 'BEGIN { split(t, x, " "); printf "%.2f s wall, %.2f s CPU", x[1], x[2] }'; }
files_in() { find "$1" -name '*.rs' -not -path '*/target/*' | wc -l; }

echo "tokio: $(files_in "$tokio/tokio") files, $(find "$tokio/tokio" -name '*.rs' -not -path '*/target/*' -print0 | xargs -0 cat | wc -c) bytes of source"
# Dependencies built once, not timed; then the tokio crate alone is checked again, from
# scratch (no incremental cache).
export CARGO_INCREMENTAL=0
(cd "$tokio" && cargo clippy --quiet -p tokio --features full >/dev/null 2>&1) || true
touch "$tokio/tokio/src/lib.rs"
clippy=$(cd "$tokio" && time_of cargo clippy --quiet -p tokio --features full)
ours=$(best_of_3 "$checker" check "$tokio/tokio" --message-format json)
lib=$(best_of_3 "$checker" check "$tokio/tokio" --message-format json --lib)
ratio() {
    awk -v a="$1" -v b="$clippy" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.1f%% of clippy'"'"'s wall time, %.1f%% of its CPU time", 100 * x[1] / y[1], 100 * x[2] / y[2] }'
}
echo "cargo clippy -p tokio --features full (deps built): $(show "$clippy")"
echo "cargo async-hygiene check tokio/ (every target):    $(show "$ours")"
echo "  ratio: $(ratio "$ours") (goal: at most 5%)"
echo "cargo async-hygiene check tokio/ --lib (clippy's files): $(show "$lib")"
echo "  ratio: $(ratio "$lib")"

echo "this workspace ($(files_in "$repo") files): $(show "$(best_of_3 "$checker" check "$repo" --message-format json)")"

# A generated crate: 20 modules of 100 fns (2,000), async fns calling chains of sync
# helpers across modules, one in ten ending in a blocking call.
generated=$(mktemp -d)
mkdir -p "$generated/src"
printf '[package]\nname = "generated"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n' > "$generated/Cargo.toml"
for m in $(seq 0 19); do
    echo "pub mod m$m;" >> "$generated/src/lib.rs"
    {
        echo "use std::time::Duration;"
        for f in $(seq 0 49); do
            next=$(( (m + 1) % 20 ))
            if (( f % 10 == 0 )); then
                echo "pub fn helper_$f(x: u64) -> u64 { std::thread::sleep(Duration::from_millis(x)); x }"
            else
                echo "pub fn helper_$f(x: u64) -> u64 { crate::m$next::helper_$(( f - 1 ))(x + 1) }"
            fi
            echo "pub async fn task_$f(x: u64) -> u64 { let a = other($f).await; let b = other(x).await; a + b + helper_$f(x) }"
        done
        echo "async fn other(x: u64) -> u64 { x }"
    } > "$generated/src/m$m.rs"
done
echo "generated crate ($(files_in "$generated") files, 2,000 fns): $(show "$(best_of_3 "$checker" check "$generated" --message-format json)")"
rm -rf "$generated"
