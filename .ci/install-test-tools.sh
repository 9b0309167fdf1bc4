#!/usr/bin/env bash
# CI: Debian packages the tests drive: Graphviz (lineage pictures) and headless
# Chromium (the run report is opened in a real browser). Idempotent.
set -euo pipefail

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
    echo "test tools: already installed"
    exit 0
fi
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo -E)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "test tools: installed ${missing[*]}"
