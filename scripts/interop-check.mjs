#!/usr/bin/env node
// Interop check: drives the real OpenClaw CLI (and the OpenClaw GatewayClient library) against a running
// gateway and asserts the results. Normally started by scripts/interop.sh, which installs Node 24 + openclaw
// into a scratch folder and starts Loopgate. Must run under Node >= 24.16 (the openclaw CLI requires it).
//
// Env:
//   INTEROP_SCRATCH   scratch folder holding node_modules/{openclaw,ws}                (required)
//   GATEWAY_URL       ws://127.0.0.1:<port> of the gateway under test                   (required)
//   GATEWAY_TOKEN     the gateway's shared token                                        (required)
//   CLI_HOME          HOME for the CLI and GatewayClient (default: a fresh temp dir)
//   INTEROP_VERBOSE=1 print every CLI command and its output
//
// Prints one line per check and a final summary "N passed, N failed"; exits 1 if anything failed.

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { generateKeyPairSync, createHash, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { attachCheck } from "./interop-attach.mjs";

const SCRATCH = mustEnv("INTEROP_SCRATCH");
const URL_ = mustEnv("GATEWAY_URL");
const TOKEN = mustEnv("GATEWAY_TOKEN");
const CLI_HOME = process.env.CLI_HOME || mkdtempSync(path.join(tmpdir(), "loopgate-interop-home-"));
const VERBOSE = process.env.INTEROP_VERBOSE === "1";
const requireScratch = createRequire(path.join(SCRATCH, "package.json"));
const WebSocket = requireScratch("ws");
const OPENCLAW_DIR = path.join(SCRATCH, "node_modules", "openclaw");
const OPENCLAW_ENTRY = path.join(OPENCLAW_DIR, "openclaw.mjs"); // package.json "bin": {"openclaw": "openclaw.mjs"}
const OPENCLAW_VERSION = JSON.parse(readFileSync(path.join(OPENCLAW_DIR, "package.json"), "utf8")).version;

function mustEnv(name) {
  const v = process.env[name];
  if (!v) { console.error(`interop-check: ${name} is required`); process.exit(2); }
  return v;
}

// ---------------------------------------------------------------- result bookkeeping
let passed = 0, failed = 0;
function check(name, cond, detail = "") {
  if (cond) { passed++; console.log(`  ok   ${name}`); }
  else { failed++; console.log(`  FAIL ${name}${detail ? `\n       ${String(detail).split("\n").join("\n       ")}` : ""}`); }
  return Boolean(cond);
}
const section = (title) => console.log(`\n# ${title}`);
const short = (s, n = 600) => (s.length > n ? `${s.slice(0, n)}…` : s);

// ---------------------------------------------------------------- running the real CLI
const ESC = String.fromCharCode(27);
const stripAnsi = (s) => s.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*[A-Za-z]/, ""))).join("");
function cli(...args) {
  const env = { ...process.env, HOME: CLI_HOME, NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const k of Object.keys(env)) if (k.startsWith("OPENCLAW_")) delete env[k]; // no ambient gateway config
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OPENCLAW_ENTRY, ...args, "--url", URL_, "--token", TOKEN], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const r = { code, stdout: stripAnsi(stdout).trim(), stderr: stripAnsi(stderr).trim() };
      r.describe = `openclaw ${args.join(" ")} -> exit ${code}\nstdout: ${short(r.stdout)}\nstderr: ${short(r.stderr)}`;
      try { r.json = JSON.parse(r.stdout); } catch { r.json = undefined; }
      if (VERBOSE) console.log(`  $ ${r.describe.split("\n").join("\n    ")}`);
      resolve(r);
    });
  });
}

// ---------------------------------------------------------------- hand-rolled device client (protocol 4, v3 signature)
function newDevice(label) {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12); // strip 302a300506032b6570032100
  return {
    label, privateKey,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }),
    publicKey: raw.toString("base64url"),
    deviceId: createHash("sha256").update(raw).digest("hex"),
    tokens: {}, // role -> device token from hello-ok
  };
}
const lowerAscii = (v) => (v ?? "").trim().replace(/[A-Z]/g, (c) => c.toLowerCase());

/** One WebSocket connect attempt. Resolves {ok, hello?, error?, close?}. Keeps the socket open on success. */
// `remote: true` sends a non-local Host header, as a client arriving through a tunnel or proxy would: Loopgate
// approves local first pairings silently, so such a client is how a test gets a request that waits for the user.
function connectDevice(dev, { role, scopes = [], auth = { token: TOKEN }, keepOpen = false, remote = false, commands = [] } = {}) {
  const client = role === "node"
    ? { id: "node-host", displayName: dev.label, version: OPENCLAW_VERSION, platform: "linux", deviceFamily: "Linux", mode: "node" }
    : { id: "gateway-client", displayName: dev.label, version: OPENCLAW_VERSION, platform: "linux", deviceFamily: "Linux", mode: "backend" };
  return new Promise((resolve) => {
    const ws = new WebSocket(URL_, remote ? { headers: { Host: "gateway.example" } } : {});
    const out = { ok: false, ws };
    let settled = false;
    const done = () => { if (!settled) { settled = true; clearTimeout(timer); resolve(out); } };
    const timer = setTimeout(() => { out.error = { code: "CLIENT_TIMEOUT", message: "no answer within 10s" }; ws.terminate(); done(); }, 10_000);
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === "event" && f.event === "connect.challenge") {
        const { nonce, ts } = f.payload;
        const signatureToken = auth.token ?? auth.deviceToken ?? "";
        const payload = ["v3", dev.deviceId, client.id, client.mode, role, scopes.join(","), String(ts), signatureToken, nonce,
          lowerAscii(client.platform), lowerAscii(client.deviceFamily)].join("|");
        const signature = sign(null, Buffer.from(payload), dev.privateKey).toString("base64url");
        ws.send(JSON.stringify({ type: "req", id: "1", method: "connect", params: {
          minProtocol: 4, maxProtocol: 4, client, caps: [], commands, auth, role, scopes,
          device: { id: dev.deviceId, publicKey: dev.publicKey, signature, signedAt: ts, nonce } } }));
      } else if (f.type === "res" && f.id === "1") {
        out.ok = f.ok;
        if (f.ok) {
          out.hello = f.payload;
          if (f.payload?.auth?.deviceToken) dev.tokens[role] = f.payload.auth.deviceToken;
          if (!keepOpen) ws.close();
          done();
        } else {
          out.error = f.error;
          setTimeout(done, 1500); // wait briefly for the close frame
        }
      }
    });
    ws.on("close", (code, reason) => { out.close = { code, reason: reason.toString() }; done(); });
    ws.on("error", (e) => { out.error ??= { code: "SOCKET_ERROR", message: e.message }; done(); });
  });
}

/** Device-less operator connection that records every event (for device.pair.requested/resolved). */
async function eventListener() {
  const events = [];
  const ws = new WebSocket(URL_);
  const hello = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 10_000);
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === "event" && f.event === "connect.challenge") {
        ws.send(JSON.stringify({ type: "req", id: "1", method: "connect", params: {
          minProtocol: 4, maxProtocol: 4, caps: [], auth: { token: TOKEN }, role: "operator", scopes: ["operator.admin"],
          client: { id: "gateway-client", displayName: "interop-events", version: OPENCLAW_VERSION, platform: "linux", deviceFamily: "Linux", mode: "backend" } } }));
      } else if (f.type === "res" && f.id === "1") { clearTimeout(timer); resolve(f.ok ? f.payload : null); }
      else if (f.type === "event") events.push(f);
    });
    ws.on("error", () => resolve(null));
  });
  const waitFor = (pred, ms = 3000) => new Promise((resolve) => {
    const t0 = Date.now();
    const poll = () => { const e = events.find(pred); if (e || Date.now() - t0 > ms) resolve(e); else setTimeout(poll, 50); };
    poll();
  });
  return { hello, events, waitFor, close: () => ws.close() };
}

/** Connect until paired: silent pairing, or NOT_PAIRED -> `devices approve <requestId>` -> reconnect. */
async function ensurePaired(dev, role, scopes) {
  let r = await connectDevice(dev, { role, scopes });
  if (r.ok) return { silent: true, result: r };
  const requestId = r.error?.details?.requestId;
  if (r.error?.code !== "NOT_PAIRED" || !requestId) return { silent: false, result: r };
  const approve = await cli("devices", "approve", requestId);
  r = await connectDevice(dev, { role, scopes });
  return { silent: false, approve, requestId, result: r };
}

const pendingOf = (list, requestId) => (list?.pending ?? []).find((p) => p.requestId === requestId);
const pairedOf = (list, deviceId) => (list?.paired ?? []).find((p) => p.deviceId === deviceId);
const rolesOf = (entry) => [...new Set([...(entry?.roles ?? []), ...(entry?.role ? [entry.role] : [])])];

// ================================================================= checks
async function main() {
  console.log(`interop-check: openclaw ${OPENCLAW_VERSION}, node ${process.version}, gateway ${URL_}, CLI HOME ${CLI_HOME}`);

  section("read-only CLI commands");
  let r = await cli("gateway", "call", "health", "--json");
  check("gateway call health --json exits 0 with a JSON object", r.code === 0 && r.json && typeof r.json === "object" && !Array.isArray(r.json), r.describe);
  r = await cli("gateway", "call", "status", "--json");
  check("gateway call status --json exits 0 with a JSON object", r.code === 0 && r.json && typeof r.json === "object" && !Array.isArray(r.json), r.describe);
  r = await cli("gateway", "call", "health");
  check("gateway call health prints 'Gateway call: health'", r.code === 0 && r.stdout.startsWith("Gateway call: health"), r.describe);
  r = await cli("system", "presence", "--json");
  check("system presence --json exits 0 with a JSON array", r.code === 0 && Array.isArray(r.json), r.describe);
  r = await cli("devices", "list", "--json");
  check("devices list --json exits 0 with {pending:[], paired:[]}", r.code === 0 && Array.isArray(r.json?.pending) && Array.isArray(r.json?.paired), r.describe);

  await statusJsonCheck();

  section("auth failures");
  const bad = await new Promise((resolve) => {
    const env = { ...process.env, HOME: CLI_HOME, NO_COLOR: "1" };
    const child = spawn(process.execPath, [OPENCLAW_ENTRY, "gateway", "call", "health", "--url", URL_, "--token", `${TOKEN}-wrong`, "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
  let badJson; try { badJson = JSON.parse(bad.out); } catch { /* not JSON: checked below */ }
  check("wrong token: CLI exits 1 with ok:false and an 'unauthorized' message", bad.code === 1 && badJson?.ok === false && /unauthorized/i.test(badJson?.error?.message ?? ""), `exit ${bad.code}: ${short(bad.out)}`);

  section("pairing: new node device -> pending -> approve");
  const listener = await eventListener();
  check("event listener (device-less operator.admin, token auth) gets hello-ok", !!listener.hello);
  const nodeDev = newDevice("interop-node-a");
  let first = await connectDevice(nodeDev, { role: "node" });
  let requestId = first.error?.details?.requestId;
  if (first.ok) {
    // Some gateways silently pair a brand-new local node. Fall back to a role upgrade, which always needs approval.
    console.log("  note: a brand-new node device was paired silently; using an operator->node role upgrade instead");
    const upDev = newDevice("interop-node-upgrade");
    await connectDevice(upDev, { role: "operator", scopes: ["operator.read"] });
    first = await connectDevice(upDev, { role: "node" });
    requestId = first.error?.details?.requestId;
    Object.assign(nodeDev, upDev);
  }
  check("node connect answered NOT_PAIRED / details.code PAIRING_REQUIRED with a requestId",
    first.error?.code === "NOT_PAIRED" && first.error?.details?.code === "PAIRING_REQUIRED" && typeof requestId === "string" && requestId.length > 0,
    JSON.stringify(first.error));
  check("pairing-required error message starts with 'pairing required'", /^pairing required/.test(first.error?.message ?? ""), first.error?.message);
  check("socket closed with 1008 after NOT_PAIRED", first.close?.code === 1008, JSON.stringify(first.close));
  const requested = await listener.waitFor((e) => e.event === "device.pair.requested" && e.payload?.requestId === requestId);
  check("device.pair.requested event broadcast to operators", !!requested, JSON.stringify(listener.events.map((e) => e.event)));

  r = await cli("devices", "list", "--json");
  const pend = pendingOf(r.json, requestId);
  check("devices list --json shows the pending request", r.code === 0 && !!pend, r.describe);
  check("pending entry has deviceId, publicKey, role node, ts",
    pend && pend.deviceId === nodeDev.deviceId && pend.publicKey === nodeDev.publicKey && rolesOf(pend).includes("node") && typeof pend.ts === "number",
    JSON.stringify(pend));
  r = await cli("devices", "list");
  check("devices list (text) prints 'Pending (N)' and the requestId", r.code === 0 && /Pending \(\d+\)/.test(r.stdout) && r.stdout.includes(requestId), r.describe);

  r = await cli("devices", "approve", requestId);
  check(`devices approve prints 'Approved <deviceId> (<requestId>)'`, r.code === 0 && r.stdout.split("\n").includes(`Approved ${nodeDev.deviceId} (${requestId})`), r.describe);
  const resolved = await listener.waitFor((e) => e.event === "device.pair.resolved" && e.payload?.requestId === requestId);
  check("device.pair.resolved {decision:'approved'} broadcast", resolved?.payload?.decision === "approved" && resolved?.payload?.deviceId === nodeDev.deviceId, JSON.stringify(resolved));

  let again = await connectDevice(nodeDev, { role: "node" });
  check("approved node reconnects: hello-ok with auth.role node and a deviceToken",
    again.ok && again.hello?.auth?.role === "node" && typeof again.hello?.auth?.deviceToken === "string", JSON.stringify(again.error ?? again.hello?.auth));
  check("hello-ok has type hello-ok, protocol 4, policy.tickIntervalMs",
    again.hello?.type === "hello-ok" && again.hello?.protocol === 4 && typeof again.hello?.policy?.tickIntervalMs === "number", JSON.stringify(again.hello ?? {}).slice(0, 300));
  const nodeToken = nodeDev.tokens.node;
  if (nodeToken) {
    const viaToken = await connectDevice(nodeDev, { role: "node", auth: { deviceToken: nodeToken } });
    check("node reconnects with only its device token (auth.method device-token)", viaToken.ok && viaToken.hello?.auth?.method === "device-token", JSON.stringify(viaToken.error ?? viaToken.hello?.auth));
  }
  r = await cli("devices", "list", "--json");
  const pairedNode = pairedOf(r.json, nodeDev.deviceId);
  check("devices list --json: device now paired with role node and a node token summary",
    !!pairedNode && rolesOf(pairedNode).includes("node") && (pairedNode.tokens ?? []).some((t) => t.role === "node") && !pendingOf(r.json, requestId),
    JSON.stringify(pairedNode ?? r.json));
  check("paired token summaries do not leak token secrets", !(pairedNode?.tokens ?? []).some((t) => "token" in t), JSON.stringify(pairedNode?.tokens));

  r = await cli("devices", "approve", requestId);
  check("approving an already-resolved requestId exits 1 ('No pending device request matches')", r.code === 1 && r.stderr.includes("No pending device request matches"), r.describe);

  section("pairing: reject");
  const rejDev = newDevice("interop-node-reject");
  const rej = await connectDevice(rejDev, { role: "node", remote: true });
  const rejId = rej.error?.details?.requestId;
  if (check("second node device gets a pending request", !!rejId, JSON.stringify(rej.error ?? rej.hello?.auth))) {
    r = await cli("devices", "reject", rejId);
    check("devices reject prints 'Rejected <deviceId>'", r.code === 0 && r.stdout.split("\n").includes(`Rejected ${rejDev.deviceId}`), r.describe);
    const rejEv = await listener.waitFor((e) => e.event === "device.pair.resolved" && e.payload?.requestId === rejId);
    check("device.pair.resolved {decision:'rejected'} broadcast", rejEv?.payload?.decision === "rejected", JSON.stringify(rejEv));
    r = await cli("devices", "list", "--json");
    check("rejected request is gone and the device is not paired", r.code === 0 && !pendingOf(r.json, rejId) && !pairedOf(r.json, rejDev.deviceId), r.describe);
    r = await cli("devices", "reject", rejId, "--json");
    check("rejecting it again exits 1", r.code === 1, r.describe);
  }

  section("operator device: rotate / revoke");
  const opDev = newDevice("interop-operator");
  const op = await ensurePaired(opDev, "operator", ["operator.read"]);
  check(`operator device paired (${op.silent ? "silently" : "after devices approve"}) and got a device token`,
    op.result.ok && typeof opDev.tokens.operator === "string", JSON.stringify(op.result.error ?? op.result.hello?.auth) + (op.approve ? `\n${op.approve.describe}` : ""));
  r = await cli("devices", "rename", "--device", opDev.deviceId, "--name", "Interop agent");
  check("devices rename prints 'Renamed <deviceId> → <name>'", r.code === 0 && r.stdout.split("\n").some((l) => l.startsWith(`Renamed ${opDev.deviceId}`) && l.endsWith("Interop agent")), r.describe);
  r = await cli("devices", "list", "--json");
  check("devices list --json shows the new name as operatorLabel, the reported name kept",
    pairedOf(r.json, opDev.deviceId)?.operatorLabel === "Interop agent" && pairedOf(r.json, opDev.deviceId)?.displayName === "interop-operator", JSON.stringify(pairedOf(r.json, opDev.deviceId)));
  const oldOpToken = opDev.tokens.operator;
  r = await cli("devices", "rotate", "--device", opDev.deviceId, "--role", "operator", "--json");
  check("devices rotate --role operator --json prints {deviceId, role, scopes, rotatedAtMs}",
    r.code === 0 && r.json?.deviceId === opDev.deviceId && r.json?.role === "operator" && Array.isArray(r.json?.scopes) && typeof r.json?.rotatedAtMs === "number", r.describe);
  if (oldOpToken) {
    const stale = await connectDevice(opDev, { role: "operator", scopes: ["operator.read"], auth: { deviceToken: oldOpToken } });
    check("old operator device token is refused after rotate", !stale.ok, JSON.stringify(stale.hello?.auth ?? stale.error));
  }
  r = await cli("devices", "rotate", "--device", opDev.deviceId, "--role", "operator");
  check("devices rotate (no --json) also prints the JSON result", r.code === 0 && r.json?.deviceId === opDev.deviceId, r.describe);
  const fresh = await connectDevice(opDev, { role: "operator", scopes: ["operator.read"] });
  check("operator reconnects with the shared token after rotate", fresh.ok, JSON.stringify(fresh.error));
  const currentOpToken = opDev.tokens.operator;
  r = await cli("devices", "revoke", "--device", opDev.deviceId, "--role", "operator", "--json");
  check("devices revoke --role operator --json prints {deviceId, role, revokedAtMs}",
    r.code === 0 && r.json?.deviceId === opDev.deviceId && r.json?.role === "operator" && typeof r.json?.revokedAtMs === "number", r.describe);
  if (currentOpToken) {
    const revoked = await connectDevice(opDev, { role: "operator", scopes: ["operator.read"], auth: { deviceToken: currentOpToken } });
    check("revoked operator device token is refused", !revoked.ok, JSON.stringify(revoked.hello?.auth ?? revoked.error));
  }
  r = await cli("devices", "list", "--json");
  const opEntry = pairedOf(r.json, opDev.deviceId);
  check("devices list --json marks the operator token revoked", (opEntry?.tokens ?? []).some((t) => t.role === "operator" && typeof t.revokedAtMs === "number"), JSON.stringify(opEntry));
  r = await cli("devices", "revoke", "--device", nodeDev.deviceId, "--role", "node");
  check("devices revoke --role node (CLI escalates to operator.admin) prints JSON", r.code === 0 && r.json?.role === "node" && r.json?.deviceId === nodeDev.deviceId, r.describe);
  r = await cli("devices", "rotate", "--device", "0".repeat(64), "--role", "operator", "--json");
  check("rotate of an unknown device exits 1", r.code === 1, r.describe);

  section("remove");
  r = await cli("devices", "remove", nodeDev.deviceId);
  check("devices remove prints 'Removed <deviceId>'", r.code === 0 && r.stdout.split("\n").includes(`Removed ${nodeDev.deviceId}`), r.describe);
  r = await cli("devices", "remove", opDev.deviceId, "--json");
  check("devices remove --json prints {deviceId}", r.code === 0 && r.json?.deviceId === opDev.deviceId, r.describe);
  r = await cli("devices", "list", "--json");
  check("removed devices are gone from devices list", r.code === 0 && !pairedOf(r.json, nodeDev.deviceId) && !pairedOf(r.json, opDev.deviceId), r.describe);
  r = await cli("devices", "remove", nodeDev.deviceId);
  check("removing an unknown device exits 1", r.code === 1, r.describe);
  const afterRemove = await connectDevice(nodeDev, { role: "node", remote: true });
  check("removed node device must pair again (NOT_PAIRED)", afterRemove.error?.code === "NOT_PAIRED", JSON.stringify(afterRemove.error ?? afterRemove.hello?.auth));
  if (afterRemove.error?.details?.requestId) await cli("devices", "reject", afterRemove.error.details.requestId);
  listener.close();

  section("large node results");
  await bigResultCheck();

  section("OpenClaw GatewayClient library");
  await gatewayClientCheck();

  section("GatewayClient with a device identity and the gateway token is a token holder");
  await gatewayClientApproverCheck();

  section("openclaw node run (real node host)");
  await nodeHostCheck();

  section("exec approvals with the real node host (ask mode)");
  await execApprovalsCheck();

  section("attach mode: Loopgate as the approval companion of the real OpenClaw gateway");
  await attachCheck({ check, WebSocket, OPENCLAW_ENTRY, nodeHost: { start: startNodeHost, setLocalApprovals, rpcClient }, scratchHome: CLI_HOME });

  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/**
 * `openclaw status --json` takes no --url: it finds the gateway through $HOME/.openclaw/openclaw.json, so it gets a
 * HOME of its own whose config points at the gateway under test (loopback only, update checks off).
 */
async function statusJsonCheck() {
  const { hostname, port } = new URL(URL_);
  const home = mkdtempSync(path.join(CLI_HOME, "status-home-"));
  mkdirSync(path.join(home, ".openclaw"), { recursive: true });
  writeFileSync(path.join(home, ".openclaw", "openclaw.json"), JSON.stringify({
    gateway: { mode: "local", bind: "loopback", port: Number(port), auth: { mode: "token", token: TOKEN } },
    update: { checkOnStart: false }, discovery: { mdns: { mode: "off" } },
  }));
  if (hostname !== "127.0.0.1") console.log(`  note: status --json reaches the gateway through 127.0.0.1:${port}`);
  const env = { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0", OPENCLAW_NO_AUTO_UPDATE: "1", DO_NOT_TRACK: "1", OPENCLAW_OFFLINE: "1" };
  for (const k of Object.keys(env)) if (k.startsWith("OPENCLAW_GATEWAY")) delete env[k];
  const r = await new Promise((resolve) => {
    const child = spawn(process.execPath, [OPENCLAW_ENTRY, "status", "--json"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
  let json; try { json = JSON.parse(r.stdout); } catch { /* checked below */ }
  const describe = `openclaw status --json -> exit ${r.code}\nstdout: ${short(r.stdout)}\nstderr: ${short(r.stderr)}`;
  check("status --json exits 0 with the gateway reachable", r.code === 0 && json?.gateway?.reachable === true, describe);
  check("status --json reads sessions and heartbeat from the gateway", Array.isArray(json?.agents?.agents) && typeof json?.sessions?.count === "number" && !!json?.heartbeat, describe);
}

/** A node answers `openclaw nodes invoke` with 2 MB: the CLI must receive it whole (no 1009, no "node disconnected"). */
async function bigResultCheck() {
  const dev = newDevice("interop-big-node");
  const paired = await ensurePaired(dev, "node", []);
  if (!check("a node device pairs for the large-result check", paired.result.ok, JSON.stringify(paired.result.error))) return;
  const conn = await connectDevice(dev, { role: "node", keepOpen: true, commands: ["interop.blob"] });
  if (!check("the node connects declaring its command", conn.ok, JSON.stringify(conn.error))) return;
  // A node's declared commands wait for the user before node.invoke relays them: approve them as the CLI does.
  const pendingNodes = await cli("nodes", "pending", "--json");
  const list = Array.isArray(pendingNodes.json) ? pendingNodes.json : pendingNodes.json?.pending ?? [];
  const surface = list.find((p) => p.nodeId === dev.deviceId);
  if (surface) {
    const ok = await cli("nodes", "approve", surface.requestId);
    check("nodes approve lets the node's declared command through", ok.code === 0, ok.describe);
  }
  const blob = Array.from({ length: 2_000_000 / 40 }, (_, i) => String(i).padStart(40, "-")).join("");
  conn.ws.on("message", (data) => {
    const f = JSON.parse(data.toString());
    if (f.type !== "event" || f.event !== "node.invoke.request") return;
    conn.ws.send(JSON.stringify({ type: "req", id: `res-${f.payload.id}`, method: "node.invoke.result",
      params: { id: f.payload.id, nodeId: dev.deviceId, ok: true, payloadJSON: JSON.stringify({ blob }) } }));
  });
  const r = await cli("nodes", "invoke", "--node", dev.deviceId, "--command", "interop.blob", "--json");
  const found = (v) => v && typeof v === "object" && (v.blob === blob || Object.values(v).some(found));
  check("nodes invoke receives a 2 MB node result whole", r.code === 0 && found(r.json), short(r.describe, 400));
  conn.ws.close();
  await cli("devices", "remove", dev.deviceId);
}

/** The real client library: operator with a device identity must reach hello-ok and make a request. */
async function gatewayClientCheck() {
  process.env.HOME = CLI_HOME; // the library keeps its device-token store under $HOME/.openclaw
  let GatewayClient;
  try {
    ({ GatewayClient } = await import(pathToFileURL(requireScratch.resolve("openclaw/plugin-sdk/gateway-runtime")).href));
  } catch (e) {
    check("import GatewayClient from openclaw/plugin-sdk/gateway-runtime", false, e.message);
    return;
  }
  const dev = newDevice("interop-gateway-client");
  let helloOk, connectError;
  const client = new GatewayClient({
    url: URL_, token: TOKEN, role: "operator", scopes: ["operator.read"], clientName: "gateway-client", mode: "backend",
    clientDisplayName: "interop-gateway-client",
    deviceIdentity: { deviceId: dev.deviceId, publicKeyPem: dev.publicKeyPem, privateKeyPem: dev.privateKeyPem },
    onHelloOk: (h) => (helloOk = h),
    onConnectError: (e) => (connectError = e),
  });
  client.start();
  const t0 = Date.now();
  while (!helloOk && !connectError && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 50));
  check("GatewayClient (operator, device identity) gets hello-ok", !!helloOk, connectError?.message ?? "timeout");
  if (helloOk) {
    try {
      const health = await client.request("health", {});
      check("GatewayClient.request('health') resolves", health !== undefined);
    } catch (e) {
      check("GatewayClient.request('health') resolves", false, e.message);
    }
  }
  await client.stopAndWait().catch(() => {});
  const list = await cli("devices", "list", "--json");
  const entry = pairedOf(list.json, dev.deviceId) ?? pendingOf(list.json, (list.json?.pending ?? []).find((p) => p.deviceId === dev.deviceId)?.requestId);
  check("GatewayClient device appears in devices list", !!entry, list.describe);
  if (pairedOf(list.json, dev.deviceId)) await cli("devices", "remove", dev.deviceId);
}

/**
 * Authority follows the credential proven in the handshake: OpenClaw's approver apps keep a device identity and
 * send the gateway token. Such a client must hear device.pair.requested / resolved, list every request, and
 * approve within its scopes.
 */
async function gatewayClientApproverCheck() {
  process.env.HOME = CLI_HOME;
  let GatewayClient;
  try {
    ({ GatewayClient } = await import(pathToFileURL(requireScratch.resolve("openclaw/plugin-sdk/gateway-runtime")).href));
  } catch (e) {
    check("import GatewayClient for the approver check", false, e.message);
    return;
  }
  const dev = newDevice("interop-approver");
  const events = [];
  let helloOk, connectError;
  const client = new GatewayClient({
    url: URL_, token: TOKEN, role: "operator", scopes: ["operator.pairing", "operator.read"], clientName: "gateway-client", mode: "backend",
    clientDisplayName: "interop-approver",
    deviceIdentity: { deviceId: dev.deviceId, publicKeyPem: dev.publicKeyPem, privateKeyPem: dev.privateKeyPem },
    onHelloOk: (h) => (helloOk = h),
    onConnectError: (e) => (connectError = e),
    onEvent: (e) => events.push(e),
  });
  client.start();
  const until = async (pred, ms = 10_000) => {
    const t0 = Date.now();
    while (!pred() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
    return pred();
  };
  await until(() => helloOk || connectError, 15_000);
  if (!check("approver GatewayClient (device identity + gateway token) gets hello-ok with auth.method token",
    helloOk?.auth?.method === "token", connectError?.message ?? JSON.stringify(helloOk?.auth))) {
    await client.stopAndWait().catch(() => {});
    return;
  }
  const asker = newDevice("interop-remote-asker");
  const ask = await connectDevice(asker, { role: "operator", scopes: ["operator.read"], remote: true });
  const requestId = ask.error?.details?.requestId;
  check("a remote device's connect waits for the user (requestId)", !!requestId, JSON.stringify(ask.error ?? ask.hello?.auth));
  const eventName = (e) => e?.event ?? e?.type;
  await until(() => events.some((e) => eventName(e) === "device.pair.requested" && e.payload?.requestId === requestId));
  check("approver GatewayClient receives device.pair.requested", events.some((e) => eventName(e) === "device.pair.requested" && e.payload?.requestId === requestId),
    JSON.stringify(events.map(eventName)));
  try {
    const list = await client.request("device.pair.list", {});
    check("approver GatewayClient lists the pending request and every paired device",
      !!pendingOf(list, requestId) && (list?.paired ?? []).some((d) => d.deviceId === dev.deviceId) && (list?.paired?.length ?? 0) >= 1, JSON.stringify(list).slice(0, 400));
    const res = await client.request("device.pair.approve", { requestId });
    check("approver GatewayClient approves (device.pair.approve resolves)", res?.device?.deviceId === asker.deviceId, JSON.stringify(res).slice(0, 300));
  } catch (e) {
    check("approver GatewayClient lists and approves", false, e.message);
  }
  await until(() => events.some((e) => eventName(e) === "device.pair.resolved" && e.payload?.requestId === requestId));
  check("approver GatewayClient receives device.pair.resolved", events.some((e) => eventName(e) === "device.pair.resolved" && e.payload?.decision === "approved"),
    JSON.stringify(events.map(eventName)));
  const back = await connectDevice(asker, { role: "operator", scopes: ["operator.read"], remote: true });
  check("the approved device connects", back.ok, JSON.stringify(back.error));
  await client.stopAndWait().catch(() => {});
  for (const d of [asker, dev]) await cli("devices", "remove", d.deviceId);
}

/** Start `openclaw node run` (own HOME, so its device identity stays away from the CLI's HOME) and wait for
 *  "connected" or a pairing requestId in its output. Resolves {connected, requestId, output, stop()}. */
function startNodeHost(home, url = URL_, token = TOKEN) {
  const env = { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0", OPENCLAW_GATEWAY_URL: url, OPENCLAW_GATEWAY_TOKEN: token };
  const { hostname, port } = new URL(url);
  const child = spawn(process.execPath, [OPENCLAW_ENTRY, "node", "run", "--host", hostname, "--port", port, "--no-tls"],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("close", resolve);
    try { process.kill(-child.pid, "SIGTERM"); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch { /* already gone */ } }, 3000).unref();
  });
  return new Promise((resolve) => {
    const finish = (extra) => { clearTimeout(timer); resolve({ output: stripAnsi(output), stop, ...extra }); };
    const onData = (d) => {
      output += d;
      const plain = stripAnsi(output);
      if (/node host gateway connected/.test(plain)) finish({ connected: true });
      const m = plain.match(/requestId: ([A-Za-z0-9._:-]+)\)/);
      if (m) finish({ connected: false, requestId: m[1] });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", () => finish({ connected: false, exited: true }));
    const timer = setTimeout(() => finish({ connected: false, timedOut: true }), 90_000); // generous: a loaded CI box
  });
}

async function nodeHostCheck() {
  const home = mkdtempSync(path.join(CLI_HOME, "nodehost-home-")); // separate HOME, cleaned up with CLI_HOME
  let host = await startNodeHost(home);
  if (!host.connected && host.requestId) {
    check("node run: first connect needs pairing (requestId reported)", true);
    await host.stop();
    const r = await cli("devices", "approve", host.requestId);
    check("devices approve <node-host requestId> prints 'Approved ...'", r.code === 0 && /^Approved [0-9a-f]{64} \(/m.test(r.stdout), r.describe);
    host = await startNodeHost(home);
  }
  check("node run: node host reaches 'node host gateway connected'", host.connected, short(host.output, 1500));
  await host.stop();
  const list = await cli("devices", "list", "--json");
  const nodeEntry = (list.json?.paired ?? []).find((d) => d.clientId === "node-host" && rolesOf(d).includes("node"));
  check("node host device is listed as paired (clientId node-host, role node)", !!nodeEntry, list.describe);
  if (nodeEntry) await cli("devices", "remove", nodeEntry.deviceId);
}

/** Device-less token client that keeps every frame: request() and waitFor() over one socket. */
async function rpcClient({ scopes, caps = [], displayName, url = URL_, token = TOKEN }) {
  const frames = [];
  const waiters = [];
  const ws = new WebSocket(url);
  let next = 1;
  const push = (f) => {
    frames.push(f);
    for (const w of [...waiters]) if (w.pred(f)) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.timer); w.resolve(f); }
  };
  const waitFor = (pred, ms = 15_000) => new Promise((resolve) => {
    const found = frames.find(pred);
    if (found) return resolve(found);
    const w = { pred, resolve, timer: setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); resolve(undefined); }, ms) };
    waiters.push(w);
  });
  const hello = await new Promise((resolve) => {
    ws.on("message", (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === "event" && f.event === "connect.challenge") {
        ws.send(JSON.stringify({ type: "req", id: "hello", method: "connect", params: {
          minProtocol: 4, maxProtocol: 4, caps, auth: { token }, role: "operator", scopes,
          client: { id: "gateway-client", displayName, version: OPENCLAW_VERSION, platform: "linux", deviceFamily: "Linux", mode: "backend" } } }));
      } else if (f.type === "res" && f.id === "hello") resolve(f.ok ? f.payload : null);
      else push(f);
    });
    ws.on("error", () => resolve(null));
  });
  const request = (method, params, ms) => {
    const id = `q${next++}`;
    ws.send(JSON.stringify({ type: "req", id, method, params }));
    return waitFor((f) => f.type === "res" && f.id === id, ms);
  };
  return { hello, frames, waitFor, request, close: () => ws.close() };
}

/** Write the node host's own approvals document, as `openclaw approvals set --stdin` does locally (no gateway). */
function setLocalApprovals(home, doc) {
  const env = { ...process.env, HOME: home, NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const k of Object.keys(env)) if (k.startsWith("OPENCLAW_")) delete env[k];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [OPENCLAW_ENTRY, "approvals", "set", "--stdin"], { env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out: stripAnsi(out) }));
    child.stdin.end(JSON.stringify(doc));
  });
}

/**
 * A node host in ask mode (allowlist + on-miss, empty allowlist). Its command surface waits for `openclaw
 * nodes approve`; then an operator's plain node.invoke system.run is prepared by Loopgate, shown to an approval
 * client, and runs only once allowed; deny and a replayed approval are refused.
 */
async function execApprovalsCheck() {
  const home = mkdtempSync(path.join(CLI_HOME, "nodehost-ask-"));
  const set = await setLocalApprovals(home, { version: 1, defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" } });
  check("approvals set --stdin (node host's own policy: allowlist + on-miss)", set.code === 0, short(set.out));
  const before = await cli("nodes", "pending", "--json");
  const earlier = new Set((Array.isArray(before.json) ? before.json : []).map((p) => p.requestId));
  const host = await startNodeHost(home);
  check("node run (ask mode) connects; its device pairs silently on loopback", host.connected, short(host.output, 1500));
  if (!host.connected) return void (await host.stop());
  const listener = await rpcClient({ scopes: ["operator.admin", "operator.approvals"], caps: ["exec-approvals"], displayName: "interop-approver" });
  const operator = await rpcClient({ scopes: ["operator.write", "operator.read"], displayName: "interop-operator" });
  try {
    let r = await cli("nodes", "pending", "--json");
    const pend = Array.isArray(r.json) ? r.json.find((p) => !earlier.has(p.requestId) && (p.commands ?? []).includes("system.run")) : undefined;
    check("nodes pending --json lists the node's declared commands (system.run included)", r.code === 0 && !!pend, r.describe);
    const nodeId = pend?.nodeId;
    const nodes = await operator.request("node.list", {});
    const listed = nodes?.payload?.nodes?.find((n) => n.nodeId === nodeId);
    check("node.list: approvalState pending-approval, nothing relayable yet", listed?.approvalState === "pending-approval" && (listed?.commands ?? []).length === 0, JSON.stringify(listed));
    const early = await operator.request("node.invoke", { nodeId, command: "system.run", params: { command: ["echo", "hi"] }, idempotencyKey: "early" });
    check("node.invoke before approval: 'node command not allowed: … pending approval'", early?.ok === false && /declared command surface is pending approval/.test(early?.error?.message ?? ""), JSON.stringify(early?.error));
    r = await cli("nodes", "list");
    check("nodes list prints the pending node ('Pending: N' and its request)", r.code === 0 && new RegExp(`Pending: ${earlier.size + 1}`).test(r.stdout) && r.stdout.includes(pend?.requestId ?? "missing"), r.describe);
    r = await cli("nodes", "approve", pend?.requestId ?? "missing");
    check("nodes approve <requestId> approves the command surface", r.code === 0 && r.json?.node?.nodeId === nodeId, r.describe);
    r = await cli("nodes", "list", "--json");
    check("nodes list --json: the node is paired with system.run", r.code === 0 && (r.json?.paired ?? []).some((n) => n.nodeId === nodeId && (n.commands ?? []).includes("system.run")), r.describe);

    const cwd = home;
    const runParams = { command: ["echo", "hi"], cwd, agentId: "main", sessionKey: "agent:main:main" };
    // Allow once.
    const first = operator.request("node.invoke", { nodeId, command: "system.run", params: runParams, timeoutMs: 20_000, idempotencyKey: "run-1" }, 60_000);
    const ask1 = await listener.waitFor((f) => f.event === "exec.approval.requested");
    check("exec.approval.requested reaches the approval client (command, node, cwd)", !!ask1 && /echo hi$/.test(ask1.payload.request.command) && ask1.payload.request.nodeId === nodeId && ask1.payload.request.cwd === cwd, JSON.stringify(ask1?.payload?.request ?? null));
    const ok1 = await listener.request("exec.approval.resolve", { id: ask1?.payload?.id, decision: "allow-once" });
    check("exec.approval.resolve allow-once -> {ok:true}", ok1?.ok === true && ok1.payload?.ok === true, JSON.stringify(ok1));
    const res1 = await first;
    check("allow once: system.run returns 'hi' from the real node", res1?.ok === true && res1.payload?.payload?.stdout === "hi\n", JSON.stringify(res1?.error ?? res1?.payload));

    // The same approval again: refused by the gateway, nothing sent to the node.
    const plan = ask1?.payload?.request?.systemRunPlan;
    const replay = await operator.request("node.invoke", { nodeId, command: "system.run", idempotencyKey: "replay", params: {
      command: plan?.argv, rawCommand: plan?.commandText, systemRunPlan: plan, cwd, agentId: "main", sessionKey: "agent:main:main",
      approved: true, approvalDecision: "allow-once", runId: ask1?.payload?.id } });
    check("a replayed allow-once is refused (APPROVAL_REQUIRED)", replay?.ok === false && replay.error?.details?.code === "APPROVAL_REQUIRED", JSON.stringify(replay?.error));

    // Deny.
    const second = operator.request("node.invoke", { nodeId, command: "system.run", params: runParams, timeoutMs: 20_000, idempotencyKey: "run-2" }, 60_000);
    const ask2 = await listener.waitFor((f) => f.event === "exec.approval.requested" && f.payload.id !== ask1?.payload?.id);
    await listener.request("exec.approval.resolve", { id: ask2?.payload?.id, decision: "deny" });
    const res2 = await second;
    check("deny: system.run refused with SYSTEM_RUN_DENIED, nothing run", res2?.ok === false && /^SYSTEM_RUN_DENIED/.test(res2.error?.message ?? "") && res2.error?.details?.nodeError?.code === "SYSTEM_RUN_DENIED", JSON.stringify(res2?.error));

    // Without approval flags from the gateway, the node itself refuses: a forged run with a made-up id never reaches it.
    const forged = await operator.request("node.invoke", { nodeId, command: "system.run", idempotencyKey: "forged", params: { ...runParams, approved: true, runId: "made-up" } });
    check("a system.run with a made-up approval is refused (UNKNOWN_APPROVAL_ID)", forged?.ok === false && forged.error?.details?.code === "UNKNOWN_APPROVAL_ID", JSON.stringify(forged?.error));

    // openclaw approvals pending / resolve against Loopgate.
    const third = operator.request("node.invoke", { nodeId, command: "system.run", params: runParams, timeoutMs: 20_000, idempotencyKey: "run-3" }, 150_000);
    const ask3 = await listener.waitFor((f) => f.event === "exec.approval.requested" && ![ask1?.payload?.id, ask2?.payload?.id].includes(f.payload.id));
    r = await cli("approvals", "pending", "--json");
    const row = (r.json?.approvals ?? []).find((e) => e.id === ask3?.payload?.id && e.kind === "exec");
    check("openclaw approvals pending --json lists the request", r.code === 0 && !!row, r.describe);
    r = await cli("approvals", "resolve", ask3?.payload?.id ?? "missing", "allow-once");
    check("openclaw approvals resolve <id> allow-once prints 'resolved allow-once by …'", r.code === 0 && /resolved allow-once by /.test(r.stdout), r.describe);
    const res3 = await third;
    check("resolved from the CLI: the run returns 'hi'", res3?.ok === true && res3.payload?.payload?.stdout === "hi\n", JSON.stringify(res3?.error ?? res3?.payload));
    const resolvedEv = await listener.waitFor((f) => f.event === "exec.approval.resolved" && f.payload.id === ask3?.payload?.id);
    check("exec.approval.resolved reaches the approval client", resolvedEv?.payload?.decision === "allow-once", JSON.stringify(resolvedEv?.payload ?? null));

    // Allow for 30 minutes (Loopgate's grant): the same command again runs without asking.
    const seen = new Set(listener.frames.filter((f) => f.event === "exec.approval.requested").map((f) => f.payload.id));
    const askNew = () => listener.waitFor((f) => f.event === "exec.approval.requested" && !seen.has(f.payload.id)).then((f) => (f && seen.add(f.payload.id), f));
    const grantParams = { ...runParams, command: ["echo", "granted"] };
    const fourth = operator.request("node.invoke", { nodeId, command: "system.run", params: grantParams, timeoutMs: 20_000, idempotencyKey: "run-4" }, 60_000);
    const ask4 = await askNew();
    const g = await listener.request("loopgate.approvals.resolve", { id: ask4?.payload?.id, decision: "allow-for-30-minutes" });
    check("loopgate.approvals.resolve allow-for-30-minutes returns a 30-minute grant", g?.ok === true && g.payload?.grant?.expiresAtMs - g.payload?.grant?.createdAtMs === 1_800_000, JSON.stringify(g?.error ?? g?.payload));
    const res4 = await fourth;
    const res5 = await operator.request("node.invoke", { nodeId, command: "system.run", params: grantParams, timeoutMs: 20_000, idempotencyKey: "run-5" }, 60_000);
    const extra = listener.frames.some((f) => f.event === "exec.approval.requested" && !seen.has(f.payload.id));
    check("while the grant holds, the same command runs again without a prompt", res4?.payload?.payload?.stdout === "granted\n" && res5?.payload?.payload?.stdout === "granted\n" && !extra, JSON.stringify(res5?.error ?? res5?.payload));

    // Allow always: the node records it in its own allowlist; the same command then runs without asking.
    const alwaysParams = { ...runParams, command: ["echo", "always"] };
    const sixth = operator.request("node.invoke", { nodeId, command: "system.run", params: alwaysParams, timeoutMs: 20_000, idempotencyKey: "run-6" }, 60_000);
    const ask6 = await askNew();
    await listener.request("exec.approval.resolve", { id: ask6?.payload?.id, decision: "allow-always" });
    const res6 = await sixth;
    const res7 = await operator.request("node.invoke", { nodeId, command: "system.run", params: alwaysParams, timeoutMs: 20_000, idempotencyKey: "run-7" }, 60_000);
    const extra7 = listener.frames.some((f) => f.event === "exec.approval.requested" && !seen.has(f.payload.id));
    check("allow always: runs, and the node's allowlist lets the same command run again without a prompt",
      res6?.payload?.payload?.stdout === "always\n" && res7?.payload?.payload?.stdout === "always\n" && !extra7, JSON.stringify(res7?.error ?? res7?.payload));
    const doc = await listener.request("exec.approvals.node.get", { nodeId });
    check("exec.approvals.node.get shows the node's allow-always entry", doc?.ok === true && JSON.stringify(doc.payload).includes("allow-always"), JSON.stringify(doc?.error ?? doc?.payload).slice(0, 400));
  } finally {
    listener.close();
    operator.close();
    await host.stop();
    const list = await cli("devices", "list", "--json");
    for (const d of (list.json?.paired ?? []).filter((x) => x.clientId === "node-host")) await cli("devices", "remove", d.deviceId);
  }
}

main().catch((e) => {
  console.error(e);
  console.log(`\n${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
