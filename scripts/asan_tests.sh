#!/usr/bin/env bash
# The whole unit and end-to-end suite under AddressSanitizer + UndefinedBehaviorSanitizer:
# configures and builds the `asan` preset (CMakePresets.json: RelWithDebInfo, MOESIM_SANITIZE=ON)
# and runs ctest without the `gpu` label (no device under ASan in CI). Any sanitizer report fails
# the test that triggered it (halt_on_error), so a clean run means a clean suite.
#
# Usage: scripts/asan_tests.sh [extra cmake -D options]
#   ASAN_BUILD_DIR   build folder (default build-asan, the preset's)
#   ASAN_EXCLUDE     ctest label regex to leave out (default "gpu"; "gpu|viz" skips the Xvfb
#                    visualiser tests, see docs/LIMITS.md for the measured times)
#   JOBS             parallel build and test jobs (default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${ASAN_BUILD_DIR:-build-asan}
exclude=${ASAN_EXCLUDE:-gpu}
jobs=${JOBS:-$(nproc)}

t0=$(date +%s)
cmake --preset asan -B "$build" -G Ninja "$@" >/dev/null
cmake --build "$build" -j "$jobs"
t1=$(date +%s)

# detect_leaks: LeakSanitizer runs at exit of every test binary. halt_on_error: the first report
# fails the test. UBSan reports are fatal by the preset's -fno-sanitize-recover=undefined.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" -LE "$exclude|viz|mpi" || status=$?
# Open MPI and the Mesa/GLX/GLFW stack allocate at start-up and never free, so LeakSanitizer
# reports their own allocations (from libmpi, or from a driver already unloaded: "<unknown
# module>"). The mpi and viz tests therefore run with every memory-error and UB check but
# without leak checking.
ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} \
  ctest --test-dir "$build" --output-on-failure -j "$jobs" -L "viz|mpi" -LE "$exclude" || status=$?
t2=$(date +%s)

echo "asan_tests: build $((t1 - t0)) s, tests $((t2 - t1)) s (labels excluded: $exclude)"
exit $status
