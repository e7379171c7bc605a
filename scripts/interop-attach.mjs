// Interop: Loopgate attached to the real OpenClaw gateway (run by interop-check.mjs under Node 24). Starts the
// published gateway on 127.0.0.1 with a scratch HOME and offline settings, runs `loopgate attach` against it,
// connects to Loopgate's window server the way the window does, and checks that a role-upgrade request made to
// that gateway reaches Loopgate, that approving it through Loopgate pairs the device there, and that Loopgate is
// attached again after that gateway restarts.
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

export async function attachCheck({ check, WebSocket, OPENCLAW_ENTRY }) {
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
