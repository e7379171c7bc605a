// Interop: Loopgate attached to the real OpenClaw gateway (run by interop-check.mjs under Node 24). Starts the
// published gateway on 127.0.0.1 with a scratch HOME and offline settings, runs `loopgate attach` against it,
// connects to Loopgate's window server the way the window does, and checks that a role-upgrade request made to
// that gateway reaches Loopgate, that approving it through Loopgate pairs the device there, and that Loopgate is
// attached again after that gateway restarts. In between, the exec approvals of that gateway: a real node host in
// ask mode, its command surface approved from Loopgate's window, and a run allowed, denied, or decided elsewhere.
import { spawn } from "node:child_process";
import { generateKeyPairSync, createHash, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");
const OFFLINE_ENV = {
  OPENCLAW_NO_AUTO_UPDATE: "1", DO_NOT_TRACK: "1", OPENCLAW_DISABLE_BONJOUR: "1", OPENCLAW_OFFLINE: "1", OPENCLAW_SKIP_CHANNELS: "1",
  OPENCLAW_CLAWHUB_URL: "http://127.0.0.1:9", CLAWHUB_DISABLE_TELEMETRY: "1", NO_COLOR: "1",
};

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once("error", reject);
  s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

function lines(child, sink) {
  const waiters = [];
  const on = (d) => {
    for (const line of String(d).split("\n").filter(Boolean)) {
      sink.push(line);
      for (const w of [...waiters]) if (w.re.test(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  };
  child.stdout.on("data", on);
  child.stderr.on("data", on);
  return (re, ms = 30_000) => {
    const seen = sink.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(null), ms);
      waiters.push({ re, resolve: (l) => { clearTimeout(t); resolve(l); } });
    });
  };
}

export async function attachCheck({ check, WebSocket, OPENCLAW_ENTRY, nodeHost, scratchHome }) {
  const home = mkdtempSync(path.join(tmpdir(), "loopgate-interop-openclaw-"));
  const lgHome = mkdtempSync(path.join(tmpdir(), "loopgate-interop-attach-"));
  const port = await freePort();
  const token = `interop-${createHash("sha256").update(String(Math.random())).digest("hex").slice(0, 32)}`;
  mkdirSync(path.join(home, ".openclaw"));
  writeFileSync(path.join(home, ".openclaw", "openclaw.json"), JSON.stringify({
    gateway: { mode: "local", bind: "loopback", port, auth: { mode: "token", token }, nodes: { pairing: { sshVerify: false, autoApproveLocal: true } } },
    update: { checkOnStart: false }, discovery: { mdns: { mode: "off" } }, models: { catalogRefresh: { enabled: false } },
    logging: { file: path.join(home, "gateway.log") },
  }));
  const ocUrl = `ws://127.0.0.1:${port}`;
  let oc = null;
  const ocOut = [];
  const startOpenClaw = async () => {
    oc = spawn(process.execPath, [OPENCLAW_ENTRY, "gateway", "run"], { env: { ...process.env, ...OFFLINE_ENV, HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    oc.stdout.on("data", (d) => ocOut.push(String(d)));
    oc.stderr.on("data", (d) => ocOut.push(String(d)));
    const deadline = Date.now() + 120_000; // 6–12 s when idle; far longer on a loaded machine
    while (Date.now() < deadline) {
      if (oc.exitCode !== null) return false;
      if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  };
  const stopOpenClaw = async () => {
    const child = oc;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(force);
  };
  let lg = null;
  let win = null;
  try {
    if (!check("the real OpenClaw gateway starts on 127.0.0.1", await startOpenClaw(), ocOut.join("").slice(-1500))) return;
    const lgOut = [];
    lg = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "loopgate.mjs"), "attach", "--url", ocUrl, "--token", token, "--port", "0", "--home", lgHome], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const waitLine = lines(lg, lgOut);
    const link = await waitLine(/^Dashboard .*: http:\/\/127\.0\.0\.1:\d+\/#\S+$/);
    const attached = await waitLine(/^Attached to the OpenClaw gateway at /);
    if (!check("loopgate attach prints a dashboard link and attaches to it", !!link && !!attached, lgOut.join("\n"))) return;
    const dashboard = new URL(/(http:\S+)/.exec(link)[1]);

    // The window's view: Loopgate's own server with the one-time owner credential.
    const events = [];
    win = new WebSocket(`ws://${dashboard.host}`);
    const hello = await new Promise((resolve) => {
      const t = setTimeout(() => resolve(null), 10_000);
      win.on("message", (d) => {
        const f = JSON.parse(String(d));
        if (f.type === "event" && f.event === "connect.challenge") {
          win.send(JSON.stringify({ type: "req", id: "c", method: "connect", params: { minProtocol: 3, maxProtocol: 4, client: { id: "loopgate-ui", version: "1", platform: "web", mode: "ui" }, role: "operator", scopes: ["operator.admin"], auth: { token: dashboard.hash.slice(1) } } }));
        } else if (f.type === "res" && f.id === "c") { clearTimeout(t); resolve(f.ok ? f.payload : null); }
        else if (f.type === "event") events.push(f);
      });
      win.on("error", () => resolve(null));
    });
    check("the window connects to Loopgate and hears it is attached", hello?.snapshot?.attach?.status === "connected", JSON.stringify(hello?.snapshot ?? null));
    let n = 0;
    const call = (method, params) => new Promise((resolve) => {
      const id = `w${++n}`;
      const on = (d) => { const f = JSON.parse(String(d)); if (f.type === "res" && f.id === id) { win.off("message", on); resolve(f); } };
      win.on("message", on);
      win.send(JSON.stringify({ type: "req", id, method, params }));
    });
    const waitEvent = async (pred, ms = 10_000) => {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) { const e = events.find(pred); if (e) return e; await new Promise((r) => setTimeout(r, 50)); }
      return null;
    };

    // A device paired on OpenClaw as an operator asks for the node role: a role upgrade OpenClaw holds.
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const raw = publicKey.export({ type: "spki", format: "der" }).subarray(12);
    const dev = { id: createHash("sha256").update(raw).digest("hex"), pub: raw.toString("base64url") };
    const connect = (role, clientId, mode) => new Promise((resolve) => {
      const ws = new WebSocket(ocUrl);
      const scopes = role === "operator" ? ["operator.read"] : [];
      ws.on("message", (d) => {
        const f = JSON.parse(String(d));
        if (f.type === "event" && f.event === "connect.challenge") {
          const payload = ["v3", dev.id, clientId, mode, role, scopes.join(","), String(f.payload.ts), token, f.payload.nonce, "linux", "linux"].join("|");
          ws.send(JSON.stringify({ type: "req", id: "1", method: "connect", params: {
            minProtocol: 4, maxProtocol: 4, client: { id: clientId, version: "1.0.0", platform: "linux", deviceFamily: "Linux", mode, displayName: "interop attach device" },
            role, scopes, caps: [], auth: { token },
            device: { id: dev.id, publicKey: dev.pub, signature: sign(null, Buffer.from(payload), privateKey).toString("base64url"), signedAt: f.payload.ts, nonce: f.payload.nonce } } }));
        } else if (f.type === "res" && f.id === "1") { ws.close(); resolve(f); }
      });
      ws.on("error", (e) => resolve({ ok: false, error: { message: e.message } }));
    });
    const asOperator = await connect("operator", "cli", "cli");
    check("a device pairs on OpenClaw as an operator", asOperator.ok, JSON.stringify(asOperator.error));
    const ask = await connect("node", "node-host", "node");
    const requestId = ask.error?.details?.requestId;
    check("asking OpenClaw for the node role is a held role upgrade", ask.error?.details?.reason === "role-upgrade" && !!requestId, JSON.stringify(ask.error));
    const seen = await waitEvent((e) => e.event === "device.pair.requested" && e.payload?.requestId === requestId);
    check("the role-upgrade request reaches Loopgate's window, as a role upgrade", seen?.payload?.reason === "role-upgrade" && seen?.payload?.heldRoles?.includes("operator"), JSON.stringify(seen?.payload ?? events.map((e) => e.event)));
    const approved = await call("device.pair.approve", { requestId });
    check("Approve through Loopgate answers with the paired device", approved.ok && approved.payload?.device?.roles?.includes("node"), JSON.stringify(approved.error ?? approved.payload).slice(0, 400));
    const asNode = await connect("node", "node-host", "node");
    check("the device is now paired for the node role on OpenClaw", asNode.ok, JSON.stringify(asNode.error));

    if (nodeHost) await attachedExecApprovals({ check, nodeHost, scratchHome, ocUrl, token, call, waitEvent, events });

    await stopOpenClaw();
    const down = await waitEvent((e) => e.event === "loopgate.attach" && e.payload?.status === "reconnecting", 15_000);
    check("when OpenClaw stops, Loopgate says it is reconnecting", !!down, JSON.stringify(events.filter((e) => e.event === "loopgate.attach").map((e) => e.payload.status)));
    events.length = 0;
    if (await startOpenClaw()) {
      const back = await waitEvent((e) => e.event === "loopgate.attach" && e.payload?.status === "connected", 30_000);
      check("after OpenClaw restarts, Loopgate is attached again", !!back, lgOut.slice(-5).join("\n"));
    } else {
      check("OpenClaw restarts", false, ocOut.join("").slice(-1500));
    }

    const wrong = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "loopgate.mjs"), "attach", "--url", ocUrl, "--token", "wrong-token", "--port", "0", "--home", mkdtempSync(path.join(lgHome, "wrong-"))], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const refused = await lines(wrong, [])(/refused the token/, 20_000);
    check("a wrong token: loopgate attach says on stderr that OpenClaw refused it", !!refused);
    wrong.kill("SIGTERM");
  } finally {
    win?.close();
    if (lg && lg.exitCode === null) { const gone = new Promise((r) => lg.once("exit", r)); lg.kill("SIGTERM"); await gone; }
    await stopOpenClaw();
    rmSync(home, { recursive: true, force: true });
    rmSync(lgHome, { recursive: true, force: true });
  }
}

/**
 * A real `openclaw node run` in ask mode on the OpenClaw gateway. Its declared commands wait there and show in
 * Loopgate's window, which approves them; then an operator prepares `echo hi` on the node and asks that gateway
 * for approval (the by-hand sequence of the reference). Loopgate is the only approval client there, so it is
 * the route: Allow once in its window lets the run through; Deny refuses it; an answer given by one of that
 * gateway's own clients withdraws the prompt in Loopgate.
 */
async function attachedExecApprovals({ check, nodeHost, scratchHome, ocUrl, token, call, waitEvent, events }) {
  const home = mkdtempSync(path.join(scratchHome, "attach-nodehost-"));
  const set = await nodeHost.setLocalApprovals(home, { version: 1, defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" } });
  check("attach: the node host's own policy is ask mode (allowlist + on-miss)", set.code === 0, set.out);
  const host = await nodeHost.start(home, ocUrl, token);
  check("attach: openclaw node run connects to the OpenClaw gateway", host.connected, (host.output ?? "").slice(-1500));
  if (!host.connected) return void (await host.stop());
  const operator = await nodeHost.rpcClient({ scopes: ["operator.admin", "operator.approvals", "operator.write", "operator.read"], displayName: "interop-operator", url: ocUrl, token });
  try {
    const surface = await waitEvent((e) => e.event === "node.pair.requested" && (e.payload?.commands ?? []).includes("system.run"), 30_000);
    check("attach: the node's declared commands waiting on OpenClaw reach Loopgate's window", !!surface, JSON.stringify(events.map((e) => e.event)));
    const nodeId = surface?.payload?.nodeId;
    const approvedSurface = await call("node.pair.approve", { requestId: surface?.payload?.requestId });
    const nodes = await operator.request("node.list", {});
    const listed = nodes?.payload?.nodes?.find((n) => n.nodeId === nodeId);
    check("attach: Approve in Loopgate's window approves them on OpenClaw (node.list: system.run relayable)", approvedSurface.ok && (listed?.commands ?? []).includes("system.run"), JSON.stringify(approvedSurface.error ?? listed));

    const prepare = async (key) => {
      const r = await operator.request("node.invoke", { nodeId, command: "system.run.prepare", idempotencyKey: `prep-${key}`, timeoutMs: 15_000,
        params: { command: ["echo", "hi"], rawCommand: "echo hi", cwd: home, agentId: "main", sessionKey: "agent:main:main", security: "allowlist", ask: "on-miss" } }, 30_000);
      return r?.payload?.payload?.plan ?? null;
    };
    const ask = async (plan, id) => {
      const sent = operator.request("exec.approval.request", { id, command: plan.commandText, commandArgv: plan.argv, systemRunPlan: plan, cwd: plan.cwd, nodeId, host: "node",
        security: "allowlist", ask: "on-miss", agentId: "main", sessionKey: "agent:main:main", timeoutMs: 120_000, twoPhase: true });
      const accepted = await sent;
      // The same request id answers twice: accepted now, the decision later.
      const final = operator.waitFor((f) => f.type === "res" && f.id === accepted?.id && f !== accepted && f.payload?.status !== "accepted", 60_000);
      return { accepted, final };
    };
    const run = (plan, id, key) => operator.request("node.invoke", { nodeId, command: "system.run", idempotencyKey: key, timeoutMs: 20_000, params: {
      command: plan.argv, rawCommand: plan.commandText, systemRunPlan: plan, cwd: plan.cwd, agentId: "main", sessionKey: "agent:main:main", timeoutMs: 10_000,
      approved: true, approvalDecision: "allow-once", runId: id } }, 60_000);

    // Allow once from Loopgate's window.
    const plan = await prepare("1");
    check("attach: system.run.prepare on the node returns a plan", !!plan?.argv, JSON.stringify(plan));
    if (!plan) return;
    const id1 = `lg-attach-${Date.now()}-1`;
    const a1 = await ask(plan, id1);
    check("attach: OpenClaw accepts the request with Loopgate as its approval client (deliveryRoute approval-client)", a1.accepted?.payload?.status === "accepted" && a1.accepted.payload.deliveryRoute === "approval-client", JSON.stringify(a1.accepted?.error ?? a1.accepted?.payload));
    const shown = await waitEvent((e) => e.event === "loopgate.approval.requested" && e.payload?.id === id1);
    check("attach: the request shows in Loopgate's window with its command, node and requester", /echo hi$/.test(shown?.payload?.commandText ?? "") && shown?.payload?.nodeId === nodeId && shown?.payload?.requester?.kind === "upstream", JSON.stringify(shown?.payload ?? null).slice(0, 600));
    const allow = await call("loopgate.approvals.resolve", { id: id1, decision: "allow-once" });
    const f1 = await a1.final;
    check("attach: Allow once in Loopgate's window answers the requester on OpenClaw", allow.ok && f1?.payload?.decision === "allow-once", JSON.stringify(allow.error ?? f1?.payload));
    const r1 = await run(plan, id1, "run-1");
    check("attach: the allowed run returns 'hi' from the real node", r1?.ok === true && r1.payload?.payload?.stdout === "hi\n", JSON.stringify(r1?.error ?? r1?.payload));

    // Deny from Loopgate's window.
    const plan2 = await prepare("2");
    const id2 = `lg-attach-${Date.now()}-2`;
    const a2 = await ask(plan2, id2);
    await waitEvent((e) => e.event === "loopgate.approval.requested" && e.payload?.id === id2);
    const deny = await call("loopgate.approvals.resolve", { id: id2, decision: "deny" });
    const f2 = await a2.final;
    check("attach: Deny in Loopgate's window denies on OpenClaw", deny.ok && f2?.payload?.decision === "deny", JSON.stringify(deny.error ?? f2?.payload));
    const grant = await call("loopgate.approvals.resolve", { id: id2, decision: "allow-for-30-minutes" });
    check("attach: Allow for 30 minutes is refused with a reason (OpenClaw cannot hold Loopgate's grant)", grant.ok === false && /cannot hold it/.test(grant.error?.message ?? ""), JSON.stringify(grant));

    // Decided by one of OpenClaw's own clients: withdrawn in Loopgate.
    const plan3 = await prepare("3");
    const id3 = `lg-attach-${Date.now()}-3`;
    const a3 = await ask(plan3, id3);
    await waitEvent((e) => e.event === "loopgate.approval.requested" && e.payload?.id === id3);
    await operator.request("exec.approval.resolve", { id: id3, decision: "deny" });
    const gone = await waitEvent((e) => e.event === "loopgate.approval.resolved" && e.payload?.id === id3);
    const listed3 = await call("loopgate.approvals.list", {});
    check("attach: an answer given in OpenClaw's own client withdraws the prompt in Loopgate", gone?.payload?.decision === "deny" && !(listed3.payload?.approvals ?? []).some((x) => x.id === id3), JSON.stringify(gone?.payload ?? null));
    await a3.final;
  } finally {
    operator.close();
    await host.stop();
  }
}
