#!/usr/bin/env bash
# Coverage-guided fuzzing on a stable toolchain (no sanitizers):
#   fuzz/stable.sh decode_frame 60
# builds the target with SanitizerCoverage and runs libFuzzer for SECONDS on a
# scratch copy of the committed corpus. With nightly, `cargo fuzz run` is the
# full-featured alternative.
set -euo pipefail
target=${1:?usage: stable.sh TARGET [SECONDS]}
seconds=${2:-60}
cd "$(dirname "$0")"
triple=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
    cargo build --release --target "$triple" --target-dir target/stable --bin "$target"
work=$(mktemp -d)
seed=corpus/$target
[ -d "$seed" ] || seed=corpus/decode_frame
cp "$seed"/* "$work"/
exec "target/stable/$triple/release/$target" -max_total_time="$seconds" "$work"
