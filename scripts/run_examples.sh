#!/usr/bin/env bash
# Runs every input importer of moesim on the real data in ../shared/data (relative to the repo
# root; items whose data is absent are skipped) and on the files in examples/ (HF configs, expert-
# load traces, NCCL topology XML). Exits non-zero when any command fails.
#
#   scripts/run_examples.sh [--moesim PATH] [--data DIR] [--ctest]
#
# --moesim  the moesim binary (default: build/bin/moesim)
# --data    the real-data folder (default: <repo>/../shared/data)
# --ctest   exit 77 (ctest's "skipped") when the real data is absent and everything else passed
set -u

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
moesim="$root/build/bin/moesim"
data="$root/../shared/data"
ctest=0
while [ $# -gt 0 ]; do
  case "$1" in
    --moesim) moesim="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --ctest) ctest=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run_examples.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ ! -x "$moesim" ]; then
  echo "run_examples.sh: no moesim binary at $moesim (build it, or pass --moesim PATH)" >&2
  exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

# run NAME CMD...: runs the command quietly; prints its output only when it fails.
run() {
  local name="$1"; shift
  if "$@" >"$tmp/out" 2>&1; then
    passed=$((passed + 1))
    printf 'ok    %s\n' "$name"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n      %s\n' "$name" "$*"
    sed 's/^/      | /' "$tmp/out" | tail -20
  fi
}
# need PATH NAME: true when PATH exists, else counts NAME as skipped.
need() {
  if [ -e "$1" ]; then return 0; fi
  skipped=$((skipped + 1))
  printf 'skip  %s (no %s)\n' "$2" "$1"
  return 1
}

echo "== real data: $data"
sm="$data/smartmoe_moe_trace"
if need "$sm/global_layer_expert_counts.csv" "smartmoe global counts"; then
  run "smartmoe global counts: stats" "$moesim" trace stats "$sm/global_layer_expert_counts.csv"
fi
if need "$sm/per_rank_layer_expert_counts.csv.gz" "smartmoe per-rank counts"; then
  run "smartmoe per-rank counts: stats" "$moesim" trace stats "$sm/per_rank_layer_expert_counts.csv.gz" --json
  run "smartmoe folder: stats" "$moesim" trace stats "$sm"
  for ext in pb json npy csv; do
    run "smartmoe per-rank counts: convert to .$ext" "$moesim" trace convert "$sm/per_rank_layer_expert_counts.csv.gz" "$tmp/smartmoe.$ext" --quiet
    run "smartmoe .$ext: stats" "$moesim" trace stats "$tmp/smartmoe.$ext" --quiet
  done
fi
ol="$data/olmoe_routing/csv/expert_counts.csv"
if need "$ol" "olmoe expert counts"; then
  run "olmoe counts: stats (first model, every domain)" "$moesim" trace stats "$ol"
  run "olmoe counts: stats --model-name olmoe --domain github" "$moesim" trace stats "$ol" --model-name olmoe --domain github
  run "olmoe counts: stats --selection top1" "$moesim" trace stats "$ol" --model-name olmoe --selection top1
  run "olmoe folder: stats" "$moesim" trace stats "$(dirname "$ol")" --model-name mistral
fi
hm="$data/harmoeny_raw_trace/ExFlow/raw_trace"
if need "$hm" "harmoeny raw traces"; then
  for model in "$hm"/*/; do
    model="${model%/}"
    run "harmoeny $(basename "$model"): stats" "$moesim" trace stats "$model"
  done
fi

echo "== examples"
for f in "$root"/examples/traces/*.csv "$root"/examples/traces/megatron; do
  run "trace $(basename "$f"): stats" "$moesim" trace stats "$f"
done
# Each Hugging Face config through the importer and a one-layer, one-step simulation.
cat >"$tmp/scenario.textproto" <<'EOF'
steps: 1
parallel { ep: 4 dp: 2 tokens_per_gpu: 256 micro_batches: 1 }
routing { model: "zipf" zipf_exponent: 0.5 }
topology { preset: "dgx-h100" }
algorithm: "direct"
simulated_layers: 1
EOF
for f in "$root"/examples/configs/*.json; do
  run "config $(basename "$f"): simulate" "$moesim" simulate --scenario "$tmp/scenario.textproto" --model "$f" --quiet --json
done
for f in "$root"/examples/nccl/*.xml; do
  run "nccl $(basename "$f"): topology" "$moesim" topology "$f"
  run "nccl $(basename "$f"): alltoall 1MiB" "$moesim" alltoall --topology "$f" --bytes-per-peer 1MiB
  gpus="$("$moesim" topology "$f" --json --no-bisection | sed -n 's/.*"num_gpus": \([0-9]*\).*/\1/p')"
  run "nccl $(basename "$f"): simulate" "$moesim" simulate --scenario "$tmp/scenario.textproto" --topology "$f" \
    --ep 4 --dp "$((${gpus:-8} / 4))" --quiet --json
done

echo "== $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$ctest" -eq 1 ] && [ ! -d "$data" ]; then
  echo "real data folder $data is absent: reported as skipped"
  exit 77
fi
exit 0
