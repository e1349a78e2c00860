#!/usr/bin/env bash
# Runs every fuzz target for a bounded time from its committed corpus (fuzz/corpus/TARGET).
# New inputs go to a scratch folder, so the committed corpus only changes by hand. A crash
# fails the run and leaves its input in fuzz/artifacts/TARGET/: turn it into a regression test.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# The mutations follow a fixed seed (FUZZ_SEED, default 1), so a run repeats the same inputs
# in the same order: CI is reproducible. FUZZ_SEED=0 lets libFuzzer pick one, for exploring.
#
# Needs cargo-fuzz (installed here when missing). Runs on a stable toolchain: no sanitizer
# (`-s none`), libFuzzer's coverage guidance only.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install --locked -q cargo-fuzz
fi

cd fuzz
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -s none
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "fuzzing $target for ${seconds}s"
    # -rss_limit_mb: an input that makes a parser hold far more memory than its size is a bug.
    if ! cargo fuzz run -s none "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=1024 -max_len=65536 -seed="${FUZZ_SEED:-1}" \
        >"$scratch/$target.log" 2>&1; then
        grep -A 3 -m 5 'panicked at' "$scratch/$target.log" || true
        tail -n 40 "$scratch/$target.log"
        echo "fuzz target $target failed; its input is in fuzz/artifacts/$target/"
        exit 1
    fi
    grep -E '^Done ' "$scratch/$target.log" || tail -n 3 "$scratch/$target.log"
done
