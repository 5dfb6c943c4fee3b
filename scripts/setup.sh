#!/usr/bin/env bash
# One-time set-up for a fresh clone (Node 20 + npm is all that is assumed):
#   - pnpm (pinned by the root package.json's packageManager field),
#   - clang + lld, which compile our own WASM SIMD kernels (packages/kernels/csrc),
#   - the workspace's npm dependencies, and a build of every package.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v)" != "10.34.9" ]; then
  log "installing pnpm 10.34.9"
  npm i -g pnpm@10.34.9 >/dev/null
fi

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v wasm-ld >/dev/null 2>&1 || need_apt+=(lld)
if [ "${DEEPFACE_BROWSER_TESTS:-1}" != "0" ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need_apt[*]} (apt)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "[setup] missing system tools: ${need_apt[*]}. Install them (Debian: sudo apt-get install ${need_apt[*]}) and rerun." >&2
    exit 1
  fi
fi

log "pnpm install"
pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
log "building packages"
pnpm -s build --output-logs=errors-only
