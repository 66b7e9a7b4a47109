#!/usr/bin/env node
// Drives K real socket.io-client sessions against a URL, C at a time, and
// checks that each session stayed on one worker (pid). Prints ONE JSON line.
//
//   sio-clients.js --url http://198.18.0.1:3000 [--sessions 100] [--concurrency 20]
//     [--acks 3] [--transports polling|default] [--new-conn]
//     [--local-addrs FILE|a,b,c|198.19.1-64.2] [--deadline 60] [--timeout 10] [--eio3]
//
// Exit 0 iff every session is OK: connected, got all acks, all from one pid,
// (default transports) ended on websocket, and (with --local-addrs) the
// worker saw only the bound source address. per_pid counts OK sessions.
// With --local-addrs, failures can be attributed to source addresses:
// failed_addrs {addr: failed sessions} and addr_pid {addr: pid answering its
// OK sessions, or a sorted array of pids if OK sessions of that address met
// more than one worker}; addresses without an OK session are absent.
//
// How the knobs reach engine.io-client (checked in its source, 6.6 and 3.5,
// and end to end: the worker's whoami lists the client addresses it saw):
//  - its Node XHR polling transport (xmlhttprequest-ssl) passes only `agent`
//    to http.request, NOT `localAddress`; the websocket transport (ws) takes
//    both. So each session gets its own http.Agent carrying localAddress,
//    and we also pass localAddress for ws.
//  - engine.io-client 3 on Node 22 would use the global (undici) WebSocket
//    and drop agent/localAddress: forceNode: true (see below).
//  - without an agent engine.io-client uses `agent: false`, i.e. a throw-away
//    Agent per request: Node sends `Connection: close` and every polling
//    request is a new TCP connection. --new-conn makes that explicit (Agent
//    keepAlive:false, maxSockets:Infinity => `Connection: close`); without it
//    a session keeps its connections alive like a browser would. (A
//    `Connection` extraHeader is impossible: xmlhttprequest-ssl forbids it,
//    and it would break the ws upgrade.)
//  - forceNew: one Manager (engine.io connection) per session; io() would
//    otherwise multiplex every session over one cached connection per URL.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const NM = path.join(__dirname, '..', 'node_modules');

function usage(msg) {
  if (msg) process.stderr.write(`sio-clients: ${msg}\n`);
  process.stderr.write('usage: sio-clients.js --url URL [--sessions K] [--concurrency C] [--acks M] ' +
    '[--transports polling|default] [--new-conn] [--local-addrs LIST] [--deadline S] [--timeout S] [--eio3]\n');
  process.exit(2);
}

const o = { url: null, sessions: 100, concurrency: 20, acks: 3, transports: 'default', newConn: false,
  localAddrs: null, deadline: 60, timeout: 10, eio3: false };
{
  const a = process.argv.slice(2);
  const num = (i) => { const v = Number(a[i]); if (!Number.isFinite(v) || v < 0) usage(`bad number for ${a[i - 1]}`); return v; };
  for (let i = 0; i < a.length; i++) {
    switch (a[i]) {
      case '--url': o.url = a[++i]; break;
      case '--sessions': o.sessions = num(++i); break;
      case '--concurrency': o.concurrency = Math.max(1, num(++i)); break;
      case '--acks': o.acks = num(++i); break;
      case '--transports': o.transports = a[++i]; break;
      case '--new-conn': o.newConn = true; break;
      case '--local-addrs': o.localAddrs = a[++i]; break;
      case '--deadline': o.deadline = num(++i); break;
      case '--timeout': o.timeout = num(++i); break;
      case '--eio3': o.eio3 = true; break;
      default: usage(`unknown argument ${a[i]}`);
    }
  }
  if (!o.url) usage('--url is required');
  if (o.acks < 1) usage('--acks must be >= 1 (acks are how a session learns its pid)');
  if (!['polling', 'default'].includes(o.transports)) usage('--transports must be polling or default');
}

// "198.19.1-64.2" -> 198.19.1.2 ... 198.19.64.2 (any dotted octet may be a range).
function expand(item) {
  if (!/^[0-9.\-]+$/.test(item) || !item.includes('-')) return [item];
  let out = [''];
  item.split('.').forEach((part, k) => {
    const m = /^(\d+)-(\d+)$/.exec(part);
    const vals = [];
    if (m) for (let v = Number(m[1]); v <= Number(m[2]) && vals.length < 65536; v++) vals.push(v);
    else vals.push(part);
    out = out.flatMap((p) => vals.map((v) => (k ? `${p}.${v}` : `${v}`)));
  });
  return out;
}
function parseAddrs(spec) {
  if (!spec) return [];
  let text = spec;
  if (fs.existsSync(spec) && fs.statSync(spec).isFile()) text = fs.readFileSync(spec, 'utf8');
  return text.split(/[\s,]+/).map((s) => s.replace(/#.*/, '').trim()).filter(Boolean).flatMap(expand);
}
const addrs = parseAddrs(o.localAddrs);
if (o.localAddrs && !addrs.length) usage('--local-addrs gave no address');

const io = o.eio3 ? require(path.join(NM, 'socket.io-client-v2')) : require(path.join(NM, 'socket.io-client')).io;
const upgradeMode = o.transports === 'default';
const stepMs = o.timeout * 1000;

// Turn a socket.io / engine.io error into a short, specific reason key.
function reasonOf(err, fallback) {
  if (!err) return fallback;
  if (typeof err === 'string') return err;
  const ctx = err.context;
  let body = '';
  try { body = ctx && typeof ctx.responseText === 'string' ? ctx.responseText : ''; } catch (_) { /* not ready */ }
  if (/Session ID unknown/.test(body)) return 'Session ID unknown';
  const msg = err.message || String(err);
  if (/Session ID unknown/.test(msg)) return 'Session ID unknown';
  if (err.description === 0) return `${msg} (no HTTP response)`;
  if (typeof err.description === 'number') return `${msg} (${err.description})`;
  if (err.description && err.description.message) return `${msg} (${err.description.message})`;
  return msg;
}

class Fail extends Error {}

async function runSession(idx) {
  const addr = addrs.length ? addrs[idx % addrs.length] : undefined;
  const agent = new http.Agent(o.newConn
    ? { keepAlive: false, maxSockets: Infinity, localAddress: addr }
    : { keepAlive: true, maxSockets: 6, localAddress: addr });
  const res = { addr, pids: [], ok: false, reason: null, upgraded: false };
  const socket = io(o.url, {
    forceNew: true, reconnection: false, timeout: stepMs,
    transports: upgradeMode ? ['polling', 'websocket'] : ['polling'],
    upgrade: upgradeMode, rememberUpgrade: false,
    agent, localAddress: addr,
    // engine.io-client 3 (socket.io-client@2) prefers a global WebSocket,
    // which Node 22 has (undici): it ignores agent/localAddress, so the
    // upgrade would leave from the namespace's primary address. forceNode
    // makes it use `ws` like engine.io-client 6 always does in Node.
    forceNode: true,
  });
  // First failure event wins; every await below races against it.
  let failNow;
  const failed = new Promise((_, rej) => { failNow = (r) => rej(new Fail(r)); });
  failed.catch(() => {});
  let done = false;
  socket.on('connect_error', (e) => failNow(reasonOf(e, 'connect_error')));
  // engine.io-client 3 gives 'disconnect' no description; keep the
  // engine's last error (it carries the HTTP status) for the reason.
  let engineErr = null;
  if (socket.io.engine) socket.io.engine.on('error', (e) => { engineErr = e; });
  socket.on('disconnect', (reason, desc) => {
    if (!done) failNow(reasonOf(desc || engineErr, `disconnect: ${reason}`));
  });
  const within = (p, what) => {
    let t;
    const timer = new Promise((_, rej) => { t = setTimeout(() => rej(new Fail(`timeout (${what})`)), stepMs); });
    return Promise.race([p, failed, timer]).finally(() => clearTimeout(t));
  };
  const transportName = () => socket.io.engine && socket.io.engine.transport && socket.io.engine.transport.name;
  // Listen for the upgrade outcome from the start: the probe often finishes
  // (or fails) while the first ack is still in flight.
  let upgradeErr = null;
  let upgradeSeen;
  const upgradeDone = new Promise((resolve) => { upgradeSeen = resolve; });
  if (upgradeMode && socket.io.engine) {
    socket.io.engine.on('upgrade', () => upgradeSeen());
    socket.io.engine.on('upgradeError', (e) => { upgradeErr = e; upgradeSeen(); });
  }
  const waitUpgrade = async () => {
    if (transportName() !== 'websocket') await upgradeDone;
    if (transportName() !== 'websocket') {
      const why = upgradeErr && (upgradeErr.message || String(upgradeErr));
      throw new Fail(why ? `not upgraded (${why.slice(0, 80)})` : 'not upgraded');
    }
  };
  try {
    await within(new Promise((r) => (socket.connected ? r() : socket.once('connect', r))), 'connect');
    for (let k = 0; k < o.acks; k++) {
      // First ack rides on polling, the rest on websocket once upgraded, so
      // a session exercises both transports.
      if (upgradeMode && k === 1) await within(waitUpgrade(), 'upgrade');
      const r = await within(new Promise((ok) => socket.emit('whoami', ok)), 'ack');
      res.pids.push(r && r.pid);
      if (res.pids[0] !== res.pids[k]) throw new Fail('pid changed');
      // The worker lists every client address it saw for this session's
      // requests: proves localAddress reached both transports.
      const other = addr && r && Array.isArray(r.addrs) ? r.addrs.filter((x) => x && x !== addr) : [];
      if (other.length) {
        res.addrMismatch = true;
        throw new Fail(`source address not bound (server saw ${other[0]})`);
      }
    }
    if (upgradeMode) await within(waitUpgrade(), 'upgrade');
    res.upgraded = transportName() === 'websocket';
    if (upgradeMode && !res.upgraded) throw new Fail('not upgraded');
    res.ok = true;
  } catch (e) {
    res.reason = e instanceof Fail ? e.message : `exception: ${e.message}`;
    res.upgraded = transportName() === 'websocket';
  } finally {
    done = true;
    socket.close();
    // Let the close packet's POST go out before dropping pooled sockets.
    setTimeout(() => agent.destroy(), 2000).unref();
  }
  return res;
}

const t0 = process.hrtime.bigint();
const results = new Array(o.sessions).fill(null);
let next = 0;
const details = [];

function report(deadlineHit) {
  const out = { sessions: o.sessions, ok: 0, failed: 0, failures: {}, per_pid: {}, mixed_pid: 0, upgraded: 0,
    per_addr_pids_consistent: null, addrs: addrs.length, addr_mismatch: 0, elapsed_s: 0, cpu_s: 0 };
  const perAddr = new Map();
  const okAddrPids = new Map();
  const failedAddrs = {};
  results.forEach((r, i) => {
    const reason = r ? r.reason : (deadlineHit ? 'deadline' : 'not run');
    const addr = addrs.length ? addrs[i % addrs.length] : undefined;
    if (r && r.ok) {
      out.ok++; out.per_pid[r.pids[0]] = (out.per_pid[r.pids[0]] || 0) + 1;
      if (addr) { if (!okAddrPids.has(addr)) okAddrPids.set(addr, new Set()); okAddrPids.get(addr).add(r.pids[0]); }
    } else {
      out.failed++; out.failures[reason] = (out.failures[reason] || 0) + 1;
      if (addr) failedAddrs[addr] = (failedAddrs[addr] || 0) + 1;
    }
    if (!r) return;
    if (new Set(r.pids).size > 1) out.mixed_pid++;
    if (r.upgraded) out.upgraded++;
    if (r.addrMismatch) out.addr_mismatch++;
    if (r.addr && r.pids.length) {
      if (!perAddr.has(r.addr)) perAddr.set(r.addr, new Set());
      r.pids.forEach((p) => perAddr.get(r.addr).add(p));
    }
  });
  if (addrs.length) {
    out.per_addr_pids_consistent = perAddr.size > 0 && [...perAddr.values()].every((s) => s.size === 1);
    out.failed_addrs = failedAddrs;
    out.addr_pid = {};
    for (const [a, set] of okAddrPids) out.addr_pid[a] = set.size === 1 ? [...set][0] : [...set].sort((x, y) => x - y);
  }
  out.elapsed_s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage();
  out.cpu_s = (cpu.user + cpu.system) / 1e6;
  out.elapsed_s = Math.round(out.elapsed_s * 1000) / 1000;
  out.cpu_s = Math.round(out.cpu_s * 1000) / 1000;
  process.stdout.write(JSON.stringify(out) + '\n');
  details.slice(0, 5).forEach((d) => process.stderr.write(`sio-clients: session ${d.i} from ${d.addr || '-'}: ${d.reason}\n`));
  return out.failed === 0 ? 0 : 1;
}

// Hard bound: whatever is still running at the deadline counts as failed.
const deadlineTimer = setTimeout(() => { process.exitCode = report(true); process.exit(); }, o.deadline * 1000);

async function runner() {
  while (next < o.sessions) {
    const i = next++;
    const r = await runSession(i);
    results[i] = r;
    if (!r.ok) details.push({ i, addr: r.addr, reason: r.reason });
  }
}
Promise.all(Array.from({ length: Math.min(o.concurrency, o.sessions) }, runner)).then(() => {
  clearTimeout(deadlineTimer);
  process.exitCode = report(false);
  // Closed sockets may still hold timers for a moment; don't wait for them.
  process.exit();
});
