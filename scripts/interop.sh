#!/usr/bin/env bash
# Interop test: real OpenClaw CLI / node host / GatewayClient against the Loopgate gateway.
#
#   scripts/interop.sh            # install (once), start Loopgate, run scripts/interop-check.mjs
#
# Env:
#   LOOPGATE_INTEROP_DIR  scratch folder for node@24 + openclaw + ws (default: ${TMPDIR:-/tmp}/loopgate-interop; reused)
#   OPENCLAW_VERSION      openclaw version or dist-tag to install (default: latest). A bare `openclaw` would
#                         resolve to the 0.0.1 placeholder under an old system Node, so a tag/version is always passed.
#   LOOPGATE_BIN          command that launches Loopgate (default: "node bin/loopgate.mjs", run from the repo root)
#   GATEWAY_URL + GATEWAY_TOKEN   test an already running gateway instead of starting Loopgate
#   INTEROP_VERBOSE=1     print every CLI command and its output
#   INTEROP_KEEP=1        keep the temporary gateway/CLI homes
#   INTEROP_SKIP_WINDOW=1 skip the Playwright step (the window answering a real node host's request)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="${LOOPGATE_INTEROP_DIR:-${TMPDIR:-/tmp}/loopgate-interop}"
OPENCLAW_VERSION="${OPENCLAW_VERSION:-latest}"
LOOPGATE_BIN="${LOOPGATE_BIN:-node bin/loopgate.mjs}"
NODE24="$SCRATCH/node_modules/node/bin/node"
OPENCLAW_ENTRY="$SCRATCH/node_modules/openclaw/openclaw.mjs"

log() { printf '[interop] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# ------------------------------------------------------------------ 1. scratch install (reused if present)
node24_ok() { [[ -x "$NODE24" ]] && [[ "$("$NODE24" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" == "24" ]]; }
if ! node24_ok || [[ ! -f "$OPENCLAW_ENTRY" ]] || [[ ! -d "$SCRATCH/node_modules/ws" ]]; then
  log "installing node@24, openclaw@$OPENCLAW_VERSION and ws into $SCRATCH"
  mkdir -p "$SCRATCH"
  [[ -f "$SCRATCH/package.json" ]] || (cd "$SCRATCH" && npm init -y >/dev/null)
  # Node 24 first; then openclaw with that Node first on PATH (its preinstall script refuses an older Node).
  (cd "$SCRATCH" && npm install --no-audit --no-fund --loglevel=error "node@24") >&2
  node24_ok || die "npm install node@24 did not produce $NODE24"
  (cd "$SCRATCH" && PATH="$(dirname "$NODE24"):$PATH" npm install --no-audit --no-fund --loglevel=error \
    "openclaw@$OPENCLAW_VERSION" "ws@8") >&2
fi
node24_ok || die "no Node 24 binary at $NODE24"
[[ -f "$OPENCLAW_ENTRY" ]] || die "openclaw CLI entry missing at $OPENCLAW_ENTRY (placeholder package installed?)"
log "node $("$NODE24" --version), $(HOME="$(mktemp -d)" "$NODE24" "$OPENCLAW_ENTRY" --version 2>/dev/null | head -1)"

# ------------------------------------------------------------------ 2. start Loopgate (unless a gateway was given)
TMP_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/loopgate-interop-run.XXXXXX")"
GW_PID=""
cleanup() {
  if [[ -n "$GW_PID" ]] && kill -0 "$GW_PID" 2>/dev/null; then
    kill "$GW_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$GW_PID" 2>/dev/null || true
  fi
  if [[ "${INTEROP_KEEP:-0}" == "1" ]]; then log "kept $TMP_ROOT"; else rm -rf "$TMP_ROOT"; fi
}
trap cleanup EXIT

if [[ -n "${GATEWAY_URL:-}" && -n "${GATEWAY_TOKEN:-}" ]]; then
  log "using the running gateway at $GATEWAY_URL"
else
  GW_HOME="$TMP_ROOT/gateway-home"; mkdir -p "$GW_HOME"
  GW_LOG="$TMP_ROOT/gateway.log"
  log "starting: $LOOPGATE_BIN gateway --port 0 --home $GW_HOME"
  # shellcheck disable=SC2086  # LOOPGATE_BIN is a command line on purpose
  (cd "$REPO_ROOT" && exec $LOOPGATE_BIN gateway --port 0 --home "$GW_HOME") >"$GW_LOG" 2>&1 &
  GW_PID=$!
  GATEWAY_URL=""
  for _ in $(seq 1 300); do
    GATEWAY_URL="$(sed -n 's/^Loopgate gateway listening on \(ws:\/\/[^ ]*\).*$/\1/p' "$GW_LOG" | head -1)"
    [[ -n "$GATEWAY_URL" ]] && break
    kill -0 "$GW_PID" 2>/dev/null || { cat "$GW_LOG" >&2; die "gateway exited before listening"; }
    sleep 0.1
  done
  [[ -n "$GATEWAY_URL" ]] || { cat "$GW_LOG" >&2; die "gateway did not print its listening line within 30s"; }
  # shellcheck disable=SC2086
  GATEWAY_TOKEN="$(cd "$REPO_ROOT" && $LOOPGATE_BIN token --home "$GW_HOME" | tail -1 | tr -d '[:space:]')"
  [[ -n "$GATEWAY_TOKEN" ]] || die "could not read the gateway token"
  log "gateway at $GATEWAY_URL (pid $GW_PID)"
fi

# ------------------------------------------------------------------ 3. run the checks with Node 24
mkdir -p "$TMP_ROOT/cli-home"
set +e
INTEROP_SCRATCH="$SCRATCH" GATEWAY_URL="$GATEWAY_URL" GATEWAY_TOKEN="$GATEWAY_TOKEN" CLI_HOME="$TMP_ROOT/cli-home" \
  "$NODE24" "$REPO_ROOT/scripts/interop-check.mjs"
STATUS=$?
set -e
if [[ $STATUS -ne 0 && -n "${GW_LOG:-}" ]]; then
  log "gateway log (last 40 lines):"; tail -n 40 "$GW_LOG" >&2 || true
fi

# ------------------------------------------------------------------ 4. the window with the real node host
# Playwright: `openclaw node run` in ask mode, its commands approved and `echo hi` allowed once in the window
# (its own gateway; needs the built dist/). INTEROP_SKIP_WINDOW=1 leaves it out.
if [[ $STATUS -eq 0 && "${INTEROP_SKIP_WINDOW:-0}" != "1" ]]; then
  log "window: e2e/approvals-interop.spec.ts (Playwright)"
  set +e
  (cd "$REPO_ROOT" && LOOPGATE_INTEROP_DIR="$SCRATCH" npx playwright test -c e2e/playwright.config.ts approvals-interop.spec.ts) >&2
  STATUS=$?
  set -e
fi
exit $STATUS
