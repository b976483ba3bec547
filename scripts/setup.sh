#!/usr/bin/env bash
# Installs the system libraries dpl links against, only when they are missing, then
# builds dpl in release mode. Safe to run again.
#
#   scripts/setup.sh [--no-build] [--jupyter]
#
# --jupyter (or DPL_JUPYTER=1): also the Jupyter kernel (docs/jupyter.md): ipykernel,
# jupyter_client, nbclient and nbformat from PyPI in a virtual environment, .build/jupyter
# (skipped when it already imports them), and after the build the kernelspec 'dpl' for the
# user, run by that environment's Python. DPL_JUPYTER=packages installs the packages only
# (CI: the kernel and notebook tests install their kernelspec in a scratch folder, not in
# the user's).
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
jupyter="${DPL_JUPYTER:-0}"
case "$jupyter" in
  0 | 1 | packages) ;;
  *) echo "setup: DPL_JUPYTER is 0, 1 or packages, not '$jupyter'" >&2; exit 64 ;;
esac
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    --jupyter) jupyter=1 ;;
    *) echo "setup: unknown option $arg (--no-build, --jupyter)" >&2; exit 64 ;;
  esac
done

need=()
for pkg in libopenblas-dev libreadline-dev zlib1g-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

venv=.build/jupyter
packages="ipykernel jupyter_client nbclient nbformat"
if [ "$jupyter" != 0 ] && ! "$venv/bin/python" -c "import ipykernel, jupyter_client, nbclient, nbformat" 2>/dev/null; then
  echo "setup: installing ${packages// /, } in $venv" >&2
  start=$(date +%s)
  if python3 -m venv "$venv" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $packages; then
    echo "setup: Jupyter packages installed in $(( $(date +%s) - start )) s" >&2
  elif [ "$jupyter" = packages ]; then
    # CI: without PyPI (or python3-venv) the kernel and notebook tests show as skipped;
    # nothing else needs them.
    echo "setup: warning: could not install the Jupyter packages; the kernel and notebook tests will be skipped" >&2
    rm -rf "$venv"
  else
    echo "setup: could not install ${packages// /, } into $venv (see pip's message above)" >&2
    exit 69
  fi
fi

if [ "$build" = 1 ]; then
  swift build -c release --product dpl >&2
  if [ "$jupyter" = 1 ]; then
    .build/release/dpl kernel install --user --python "$venv/bin/python" >&2
  fi
fi
