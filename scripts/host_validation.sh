#!/usr/bin/env bash
# Host-backend accuracy of the calibration (issue 6's measure): for 2, 3 and 4 ranks, REPEATS
# times each, profile under mpirun (shared memory), fit on the even-indexed sizes, validate on
# the held-out sizes and every uneven case, and print the median |error| of each run.
# Usage: scripts/host_validation.sh [REPEATS (default 3)] [TRACE (default ../shared/data/smartmoe_moe_trace)]
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
trace=${2:-../shared/data/smartmoe_moe_trace}
bin=build/bin
for b in moeprof moesim; do
  [ -x "$bin/$b" ] || { echo "host_validation: $bin/$b not built (scripts/bootstrap.sh)" >&2; exit 2; }
done
[ -e "$trace" ] || { echo "host_validation: trace $trace not found" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-6s %-4s %12s %12s %12s\n' ranks run uniform uneven all
for np in 2 3 4; do
  for k in $(seq 1 "$repeats"); do
    mpirun --oversubscribe --mca btl self,vader -np "$np" "$bin/moeprof" run --backend host \
      --benchmarks alltoall,alltoallv,p2p --trace "$trace" --iters 30 --out "$work/p.pb" --quiet >/dev/null
    "$bin/moeprof" fit "$work/p.pb" --out "$work/c.pb" >/dev/null
    out=$("$bin/moesim" validate --profile "$work/p.pb" --calibration "$work/c.pb")
    median() { sed -n "s/^# $1 .*median |error| *\([0-9.]*%\).*/\1/p" <<<"$out"; }
    all=$(sed -n 's/^validate:.*median |error| \([0-9.]*%\).*/\1/p' <<<"$out")
    printf '%-6s %-4s %12s %12s %12s\n' "$np" "$k" "$(median 'alltoall ')" "$(median alltoallv)" "$all"
  done
done
