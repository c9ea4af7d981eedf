#!/usr/bin/env bash
# Short fuzzing run for CI: builds the libFuzzer targets (clang, MOESIM_FUZZ=ON, in build-fuzz/)
# and runs each for FUZZ_SECONDS (default 20) starting from its seed corpus in
# tests/fuzz/corpus/<target>/. New corpus entries go to a scratch copy, never into the
# repository. A crash, leak, timeout (10 s) or out-of-memory (2 GiB) fails the script and
# leaves the input in build-fuzz/artifacts/; fix the bug, then keep the input as a regression:
#   cp build-fuzz/artifacts/<target>-crash-... tests/fuzz/regressions/<target>/
# (fuzz_replay_test replays it in the regular build).
# Usage: scripts/fuzz_smoke.sh [target ...]      env: FUZZ_SECONDS, FUZZ_BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
if ! command -v clang++ >/dev/null; then
  echo "fuzz_smoke: clang++ not found (apt-get install clang; libFuzzer ships with Debian's clang)" >&2
  exit 2
fi

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMOESIM_FUZZ=ON -DMOESIM_CUDA=OFF -DMOESIM_VIZ=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzzers

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

artifacts="$build/artifacts"
mkdir -p "$artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failed=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  cp tests/fuzz/corpus/"$t"/* "$scratch/$t/"
  echo "fuzz_smoke: $t for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
       UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$build/fuzz/fuzz_$t" "$scratch/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
         -max_len=65536 -artifact_prefix="$artifacts/$t-" -print_final_stats=1 \
         >"$scratch/$t.log" 2>&1; then
    failed+=("$t")
    tail -n 60 "$scratch/$t.log" >&2
  else
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)" "$scratch/$t.log" | tr '\n' ' '
    echo
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz_smoke: FAILED: ${failed[*]} (inputs in $artifacts/)" >&2
  exit 1
fi
echo "fuzz_smoke: ${#targets[@]} targets clean"
