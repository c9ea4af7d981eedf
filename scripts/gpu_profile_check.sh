#!/usr/bin/env bash
# GPU profiling check in one command: build moeprof with CUDA (unless a prebuilt build dir is
# reused), run the GPU profiler test (ctest label gpu), then the full GPU sweep on this machine:
# single-rank NCCL all-to-all 1 KiB .. 1 GiB, routing kernels, cuBLAS expert GEMM; then fit a
# calibration and validate it. One process, no mpirun needed (moeprof skips MPI_Init when no MPI
# launcher started it). On a multi-GPU node with Open MPI, set MOESIM_NP=8 to run one rank per
# GPU through mpirun (all-to-all, uneven splits and p2p become real NCCL traffic).
# Usage: scripts/gpu_profile_check.sh [build-dir]        (default: <repo>/build-gpu-profile)
#   MOESIM_SKIP_BUILD=1    reuse the build dir as is (e.g. carried over with its libs)
#   MOESIM_CUDA_ARCHS=90   CUDA architectures (default: the present GPU's)
#   MOESIM_NP=N            ranks through mpirun (default 1: no mpirun)
#   MOESIM_MAX_BYTES=1GiB  largest all-to-all size per rank
#   MOESIM_OUT=DIR         where profile.pb, calibration.json and logs go (default: build dir)
# A prebuilt moeprof links libmpi even though it never calls MPI without a launcher; for a GPU
# machine without Open MPI, bundle the shared libraries it needs beside the build first:
#   scripts/gpu_profile_check.sh --bundle [build-dir]   (copies non-glibc, non-CUDA libraries of
#   moeprof and moesim into <build-dir>/runtime-libs; this script adds that folder to
#   LD_LIBRARY_PATH when it exists)
# Exit codes: 0 passed, 1 a step failed, 2 build failed, 3 no usable GPU.
# Budget: ~2 min build on 16 cores; the sweep ~1-2 min on one H100/H200.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bundle=0
if [[ "${1:-}" == "--bundle" ]]; then
  bundle=1
  shift
fi
build=${1:-$root/build-gpu-profile}

if [[ $bundle == 1 ]]; then
  mkdir -p "$build/runtime-libs"
  for exe in "$build/bin/moeprof" "$build/bin/moesim" "$build/tests/profiler_gpu_test" "$build/tests/profiler_fit_test"; do
    [[ -x "$exe" ]] || continue
    ldd "$exe" | awk '/=> \// {print $3}' | while read -r lib; do
      case "$(basename "$lib")" in
        libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*|libcuda.so*) continue ;;
      esac
      [[ "$lib" == /usr/local/cuda* ]] && continue
      cp -Lu "$lib" "$build/runtime-libs/"
    done
  done
  du -sh "$build/runtime-libs"
  echo "gpu_profile_check: bundled $(ls "$build/runtime-libs" | wc -l) libraries into $build/runtime-libs"
  exit 0
fi
if [[ -d "$build/runtime-libs" ]]; then
  export LD_LIBRARY_PATH="$build/runtime-libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
out=${MOESIM_OUT:-$build}
np=${MOESIM_NP:-1}
jobs=$(nproc 2>/dev/null || echo 8)

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu_profile_check: no usable GPU (nvidia-smi -L failed); nothing to check" >&2
  exit 3
fi
nvidia-smi -L
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

if [[ "${MOESIM_SKIP_BUILD:-0}" != 1 ]]; then
  archs=${MOESIM_CUDA_ARCHS:-}
  if [[ -z "$archs" ]]; then
    cap=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
    archs=${cap:-"80;90"}
  fi
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  echo "== configure ($build, CUDA archs $archs)"
  if ! cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DMOESIM_CUDA=ON -DMOESIM_VIZ=OFF \
      -DCMAKE_CUDA_ARCHITECTURES="$archs" >"$build.configure.log" 2>&1; then
    tail -30 "$build.configure.log" >&2
    echo "gpu_profile_check: configure failed (log: $build.configure.log)" >&2
    exit 2
  fi
  echo "== build"
  if ! cmake --build "$build" -j "$jobs" --target moeprof moesim profiler_gpu_test profiler_fit_test; then
    echo "gpu_profile_check: build failed" >&2
    exit 2
  fi
fi
mkdir -p "$out"
status=0

if [[ -x "$build/tests/profiler_fit_test" ]]; then
  echo "== fit tests (no GPU needed)"
  "$build/tests/profiler_fit_test" --gtest_brief=1 || status=1
fi
if [[ -x "$build/tests/profiler_gpu_test" ]]; then
  echo "== GPU profiler test"
  log=$(mktemp)
  "$build/tests/profiler_gpu_test" 2>&1 | tee "$log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  if grep -q "\[  SKIPPED \]" "$log"; then
    echo "gpu_profile_check: GPU test skipped: no CUDA device usable by the runtime" >&2
    exit 3
  fi
else
  echo "gpu_profile_check: $build/tests/profiler_gpu_test not built (MOESIM_TESTS off?); skipping the test" >&2
fi

echo "== GPU sweep ($np rank(s))"
launcher=()
if [[ "$np" -gt 1 ]]; then
  launcher=(mpirun -np "$np" --allow-run-as-root)
fi
# NCCL's view of the machine goes into the profile's environment.
export NCCL_TOPO_DUMP_FILE=${NCCL_TOPO_DUMP_FILE:-$out/nccl_topo.xml}
if ! timeout 540 "${launcher[@]}" "$build/bin/moeprof" run --backend cuda --max-bytes "${MOESIM_MAX_BYTES:-1GiB}" \
    --time-budget 0.5s --timeout 60s --out "$out/profile.pb" | tee "$out/moeprof_run.log"; then
  echo "gpu_profile_check: moeprof run failed (partial profile kept in $out/profile.pb)" >&2
  status=1
fi
if [[ -f "$out/profile.pb" ]]; then
  echo "== fit"
  "$build/bin/moeprof" fit "$out/profile.pb" --out "$out/calibration.json" || status=1
  echo "== validate"
  if [[ -x "$build/bin/moesim" ]]; then
    "$build/bin/moesim" validate --profile "$out/profile.pb" --calibration "$out/calibration.json" || status=1
  else
    echo "gpu_profile_check: $build/bin/moesim not built; validate skipped" >&2
  fi
fi
echo "gpu_profile_check: outputs in $out (profile.pb, calibration.json, moeprof_run.log, nccl_topo.xml)"
exit $status
