#!/usr/bin/env bash
# GPU check of the routing kernels in one command: configure + build the CUDA kernel tests and
# benchmark (unless a prebuilt build dir is reused), run the GPU tests (ctest label gpu), run
# the GPU benchmarks, and judge them against the issue's targets:
#   permute / unpermute BF16 16384 x 7168 top-8 >= 70% of the device's DRAM peak,
#   gating + top-k 16384 x 256 < 50 us.
# Usage: scripts/gpu_kernels_check.sh [build-dir]       (default: <repo>/build-gpu-kernels)
#   MOESIM_SKIP_BUILD=1   reuse an existing build dir as is
#   MOESIM_CUDA_ARCHS=90  override the CUDA architectures (default: the present GPU's)
# Exit codes: 0 all passed, 1 a test or target failed, 2 build failed, 3 no usable GPU.
# Budget: about 1-2 min to build on 16 cores, < 1 min to test and benchmark.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-gpu-kernels}
jobs=$(nproc 2>/dev/null || echo 8)

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu_kernels_check: no usable GPU (nvidia-smi -L failed); nothing to check" >&2
  exit 3
fi
nvidia-smi -L

if [[ "${MOESIM_SKIP_BUILD:-0}" != 1 ]]; then
  archs=${MOESIM_CUDA_ARCHS:-}
  if [[ -z "$archs" ]]; then
    cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
    archs=${cap:-"80;90"}
  fi
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  echo "== configure ($build, CUDA archs $archs)"
  if ! cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DMOESIM_CUDA=ON -DMOESIM_VIZ=OFF -DCMAKE_CUDA_ARCHITECTURES="$archs" >"$build.configure.log" 2>&1; then
    tail -30 "$build.configure.log" >&2
    echo "gpu_kernels_check: configure failed (log: $build.configure.log)" >&2
    exit 2
  fi
  echo "== build"
  if ! cmake --build "$build" -j "$jobs" --target kernels_test kernels_cuda_test kernels_bench; then
    echo "gpu_kernels_check: build failed" >&2
    exit 2
  fi
fi

status=0
echo "== CPU reference tests"
"$build/tests/kernels_test" --gtest_brief=1 || status=1

echo "== GPU tests"
gpu_log=$(mktemp)
"$build/tests/kernels_cuda_test" 2>&1 | tee "$gpu_log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
if grep -q "\[  SKIPPED \]" "$gpu_log"; then
  echo "gpu_kernels_check: GPU tests were skipped: no usable CUDA device for the runtime" >&2
  exit 3
fi

echo "== GPU benchmarks"
json="$build/kernels_bench_gpu.json"
"$build/bench/kernels_bench" --benchmark_filter='Cuda|CpuGating' --benchmark_min_time=0.2 \
    --benchmark_counters_tabular=true --benchmark_out="$json" --benchmark_out_format=json || status=1

if command -v python3 >/dev/null 2>&1; then
  python3 - "$json" <<'PY' || status=1
import json, sys
runs = {b["name"]: b for b in json.load(open(sys.argv[1]))["benchmarks"] if "error_occurred" not in b}
ok = True
def verdict(name, good, text):
    global ok
    ok &= good
    print(f"{'PASS' if good else 'FAIL'}  {name}: {text}")
for name, b in runs.items():
    if "GB/s" in b and ("Permute" in name or "Unpermute" in name or "Memcpy" in name):
        gbs, peak = b["GB/s"], b["peak_GB/s"]
        if "Memcpy" in name:
            print(f"info  {name}: {gbs:.0f} GB/s = {100 * gbs / peak:.0f}% of peak {peak:.0f} GB/s")
        else:
            verdict(name, gbs >= 0.7 * peak,
                    f"{gbs:.0f} GB/s = {100 * gbs / peak:.0f}% of peak {peak:.0f} GB/s (target 70%)")
    if name.startswith("BM_CudaGatingTopk"):
        us = b["real_time"] if b["time_unit"] == "us" else b["real_time"] / 1e3
        verdict(name, us < 50.0, f"{us:.1f} us (target < 50 us)")
if not any(n.startswith("BM_Cuda") for n in runs):
    print("FAIL  no GPU benchmark produced a result"); ok = False
sys.exit(0 if ok else 1)
PY
else
  echo "(python3 missing: targets not judged; see $json)"
fi

[[ $status -eq 0 ]] && echo "gpu_kernels_check: all passed" || echo "gpu_kernels_check: FAILED" >&2
exit $status
