#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root), configures and builds moesim into build/.
# Usage: scripts/bootstrap.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake ninja-build pkg-config
      libprotobuf-dev protobuf-compiler libboost-graph-dev nlohmann-json3-dev zlib1g-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      libopenmpi-dev openmpi-bin
      libimgui-dev libglfw3-dev libgl-dev xvfb xauth)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

jobs=$(nproc)
cmake --preset release -G Ninja "$@" >/dev/null
cmake --build build -j "$jobs"
