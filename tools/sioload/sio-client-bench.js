#!/usr/bin/env node
// sio-client-bench.js — the same workload as sioload, driven by the real socket.io-client@4,
// to compare session rate and client CPU cost.
//
//   node tools/sioload/sio-client-bench.js --url http://127.0.0.1:3000
//     [--sessions K] [--concurrency C] [--acks M]
//     [--transports polling|default|websocket] [--new-conn] [--timeout S] [--deadline S] [--json]
//
// A session: io(url, {forceNew}) -> connect; (default transports: wait for the WebSocket
// upgrade, like sioload --mode upgrade) -> M x emit('whoami', ack) sequentially -> disconnect().
// OK iff every ack came from one pid (and, default transports, it ended on websocket).
//
// Connections: engine.io-client's Node polling transport (xmlhttprequest-ssl) uses
// `agent: false` unless given one, i.e. a throw-away agent per request: every polling
// request goes on a new TCP connection with `Connection: close` (= sioload --new-conn).
// Without --new-conn each session gets its own keep-alive http.Agent (= sioload default).
//
// Prints one JSON line (--json) or a short table; client CPU from process.cpuUsage().
'use strict';
const http = require('http');
const path = require('path');
const { io } = require(require.resolve('socket.io-client',
  { paths: [path.join(__dirname, '..', '..', 'tests'), __dirname] }));

function usage(msg) {
  if (msg) process.stderr.write(`sio-client-bench: ${msg}\n`);
  process.stderr.write('usage: sio-client-bench.js --url URL [--sessions K] [--concurrency C] [--acks M]\n' +
    '         [--transports polling|default|websocket] [--new-conn] [--timeout S] [--deadline S] [--json]\n');
  process.exit(2);
}

const o = { url: null, sessions: 1000, concurrency: 50, acks: 3, transports: 'default',
  newConn: false, timeout: 10, deadline: 60, json: false };
{
  const a = process.argv.slice(2);
  const num = (i) => {
    const v = Number(a[i]);
    if (i >= a.length || !Number.isFinite(v) || v < 0) usage(`bad number for ${a[i - 1]}`);
    return v;
  };
  for (let i = 0; i < a.length; i++) {
    switch (a[i]) {
      case '--url': o.url = a[++i]; break;
      case '--sessions': case '-n': o.sessions = Math.floor(num(++i)); break;
      case '--concurrency': case '-c': o.concurrency = Math.max(1, Math.floor(num(++i))); break;
      case '--acks': case '-m': o.acks = Math.floor(num(++i)); break;
      case '--transports': o.transports = a[++i]; break;
      case '--new-conn': o.newConn = true; break;
      case '--timeout': o.timeout = num(++i); break;
      case '--deadline': o.deadline = num(++i); break;
      case '--json': o.json = true; break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a[i]}`);
    }
  }
  if (!o.url) usage('--url is required');
  if (!['polling', 'default', 'websocket'].includes(o.transports)) usage('bad --transports');
}

const REASONS = ['session_id_unknown', 'connect_error', 'pid_changed', 'timeout',
  'upgrade_failed', 'http_error', 'protocol_error', 'not_started'];
const fail = Object.fromEntries(REASONS.map((r) => [r, 0]));
const perPid = {};
const rtts = [];
let ok = 0, started = 0, shown = 0;
let stopping = false;
const live = new Set();

function runSession(idx) {
  return new Promise((resolve) => {
    started++;
    const agent = o.transports !== 'websocket' && !o.newConn
      ? new http.Agent({ keepAlive: true, maxSockets: 2 }) : undefined;
    const opts = {
      forceNew: true, reconnection: false, timeout: o.timeout * 1000,
      transports: o.transports === 'polling' ? ['polling']
        : o.transports === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    };
    if (agent) opts.agent = agent;
    const socket = io(o.url, opts);
    let done = false, pid = null;
    const entry = { finish: null };
    const finish = (reason, detail) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      live.delete(entry);
      if (reason === 'ok') {
        ok++;
        perPid[pid] = (perPid[pid] || 0) + 1;
      } else {
        fail[reason]++;
        if (shown++ < 3) process.stderr.write(`sio-client-bench: session ${idx} failed: ${reason} ${detail || ''}\n`);
      }
      socket.disconnect();
      socket.io.engine?.close();
      if (agent) setTimeout(() => agent.destroy(), 1000).unref();
      resolve();
    };
    entry.finish = finish;
    live.add(entry);
    const timer = setTimeout(() => finish('timeout'), o.timeout * 1000);
    socket.on('connect_error', (e) => {
      const d = e && e.description;
      const unknown = d && (d === 400 || /Session ID unknown/.test(String(d.message || d)));
      finish(unknown ? 'session_id_unknown' : 'connect_error', e && e.message);
    });
    socket.on('disconnect', (r) => finish(/parse/.test(r) ? 'protocol_error' : 'http_error', r));
    const ack = (k) => {
      if (done) return;
      if (k === o.acks) {
        if (o.transports === 'default' && socket.io.engine.transport.name !== 'websocket') {
          return finish('upgrade_failed', 'did not end on websocket');
        }
        return finish('ok');
      }
      const t = process.hrtime.bigint();
      socket.emit('whoami', (res) => {
        if (done) return;
        rtts.push(Number(process.hrtime.bigint() - t) / 1000);
        if (!res || typeof res.pid !== 'number') return finish('protocol_error', 'no pid');
        if (pid === null) pid = res.pid;
        else if (pid !== res.pid) return finish('pid_changed', `${pid} -> ${res.pid}`);
        ack(k + 1);
      });
    };
    socket.on('connect', () => {
      const engine = socket.io.engine;
      if (o.transports === 'default' && engine.transport.name !== 'websocket') {
        engine.once('upgrade', () => ack(0));
        engine.once('upgradeError', (e) => finish('upgrade_failed', e && e.message));
      } else {
        ack(0);
      }
    });
  });
}

function pct(sorted, q) {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i]);
}

async function main() {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  const deadline = setTimeout(() => {
    stopping = true;
    for (const e of [...live]) e.finish('timeout', 'cut off by --deadline');
  }, o.deadline * 1000);
  const lane = async () => {
    while (!stopping && next < o.sessions) await runSession(next++);
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.sessions) }, lane));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(deadline);
  fail.not_started = o.sessions - started;
  const failed = Object.values(fail).reduce((a, b) => a + b, 0);
  rtts.sort((a, b) => a - b);
  const res = {
    tool: 'socket.io-client', version: require(require.resolve('socket.io-client/package.json',
      { paths: [path.join(__dirname, '..', '..', 'tests')] })).version,
    transports: o.transports, new_conn: o.newConn, url: o.url, sessions: o.sessions,
    concurrency: o.concurrency, acks: o.acks, ok, failed, fail,
    elapsed_s: +elapsed.toFixed(6), sessions_per_s: +(ok / elapsed).toFixed(2),
    ack_rtt_us: { n: rtts.length, p50: pct(rtts, 0.5), p90: pct(rtts, 0.9), p99: pct(rtts, 0.99),
      p999: pct(rtts, 0.999), max: Math.round(rtts[rtts.length - 1] || 0) },
    per_pid: perPid,
    cpu: { user_s: cpu.user / 1e6, sys_s: cpu.system / 1e6,
      us_per_session: +((cpu.user + cpu.system) / Math.max(1, started)).toFixed(2) },
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(res) + '\n');
  } else {
    process.stdout.write(`socket.io-client ${res.version}  ${o.transports}${o.newConn ? ' new-conn' : ''}  ` +
      `sessions=${o.sessions} concurrency=${o.concurrency} acks=${o.acks}\n` +
      `  ok ${ok}  failed ${failed} ${JSON.stringify(fail)}\n` +
      `  elapsed ${elapsed.toFixed(3)} s  ${res.sessions_per_s} sessions/s\n` +
      `  ack rtt p50 ${res.ack_rtt_us.p50} µs  p99 ${res.ack_rtt_us.p99} µs  p99.9 ${res.ack_rtt_us.p999} µs\n` +
      `  client cpu user ${res.cpu.user_s.toFixed(3)} s  sys ${res.cpu.sys_s.toFixed(3)} s  = ` +
      `${res.cpu.us_per_session} µs/session\n`);
  }
  // Let disconnect packets go out, then leave (bounded).
  setTimeout(() => process.exit(failed ? 1 : 0), 300).unref();
  setTimeout(() => process.exit(failed ? 1 : 0), 2000);
}
main();
