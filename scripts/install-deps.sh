#!/usr/bin/env bash
# Installs everything odec needs to build and test on Debian 12 (run as root). Packages
# already present are left alone, so a second run needs no network.
set -euo pipefail
packages=(
  build-essential make cmake ninja-build python3
  llvm-14-dev llvm-14-tools clang-14 libclang-14-dev libclang-cpp14-dev libclang-common-14-dev
  libclang-rt-14-dev libpolly-14-dev
  libeigen3-dev libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libbenchmark-dev libsleef-dev
  pybind11-dev python3-dev python3-numpy python3-torch libtorch-dev python3-pytest
  python3-sklearn python3-statsmodels python3-matplotlib
  zlib1g-dev libzstd-dev libedit-dev libffi-dev libncurses-dev libxml2-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
