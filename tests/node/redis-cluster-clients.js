#!/usr/bin/env node
// Sessions that stay: N socket.io-client@4 sessions, each asking `whoami` every
// --interval-ms until --duration ends, every request on a new TCP connection (polling,
// Connection: close), so every request is steered again. A session fails if it
// disconnects, an ack times out, or its worker pid changes.
//
//   redis-cluster-clients.js --url URL [--sessions N] [--interval-ms 250] [--duration S]
//                            [--local-addr A] [--timeout S]
// stdout:  session <i> eio=<engine.io sid> pid=<pid>      once connected
//          tick <s> live=<n> acks=<n> failed=<n>          every second
//          summary {"sessions","ok","failed","failures","per_pid","acks_per_pid","acks"}
// Exit 0 iff no session failed. SIGTERM ends early (with the summary).
'use strict';
const http = require('http');
const path = require('path');
const { io } = require(path.join(__dirname, '..', 'node_modules', 'socket.io-client'));

const o = { url: null, sessions: 10, interval: 250, duration: 20, addr: undefined, timeout: 10 };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = a[++i];
    if (a[i - 1] === '--url') o.url = v;
    else if (a[i - 1] === '--sessions') o.sessions = Number(v);
    else if (a[i - 1] === '--interval-ms') o.interval = Number(v);
    else if (a[i - 1] === '--duration') o.duration = Number(v);
    else if (a[i - 1] === '--local-addr') o.addr = v;
    else if (a[i - 1] === '--timeout') o.timeout = Number(v);
    else { process.stderr.write(`redis-cluster-clients: bad argument ${a[i - 1]}\n`); process.exit(2); }
  }
  if (!o.url) { process.stderr.write('redis-cluster-clients: --url is required\n'); process.exit(2); }
}

const out = (s) => process.stdout.write(s + '\n');
const st = { ok: 0, failed: 0, failures: {}, perPid: {}, acksPerPid: {}, acks: 0, live: 0 };
const t0 = Date.now();
const end = t0 + o.duration * 1000;
const sessions = [];

function fail(s, why) {
  if (s.done) return;
  s.done = true;
  st.failed++;
  st.live--;
  st.failures[why] = (st.failures[why] || 0) + 1;
  out(`failed ${s.i} eio=${s.eio} pid=${s.pid} ${why}`);
  s.socket.close();
}

function start(i) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity, localAddress: o.addr });
  const socket = io(o.url, { forceNew: true, reconnection: false, timeout: o.timeout * 1000,
    transports: ['polling'], upgrade: false, agent, localAddress: o.addr });
  const s = { i, socket, pid: null, eio: null, done: false, agent };
  sessions.push(s);
  st.live++;
  socket.on('connect_error', (e) => fail(s, `connect_error: ${e.message}`));
  socket.on('disconnect', (r) => fail(s, `disconnect: ${r}`));
  socket.once('connect', async () => {
    s.eio = socket.io.engine.id;
    while (!s.done && Date.now() < end) {
      let r;
      try {
        r = await socket.timeout(o.timeout * 1000).emitWithAck('whoami');
      } catch (e) {
        return fail(s, 'ack timeout');
      }
      if (s.done) return;
      if (s.pid === null) {
        s.pid = r.pid;
        out(`session ${i} eio=${s.eio} pid=${r.pid}`);
      } else if (r.pid !== s.pid) {
        return fail(s, 'pid changed');
      }
      st.acks++;
      st.acksPerPid[r.pid] = (st.acksPerPid[r.pid] || 0) + 1;
      await new Promise((ok) => setTimeout(ok, o.interval));
    }
    if (s.done) return;
    s.done = true;
    st.live--;
    st.ok++;
    st.perPid[s.pid] = (st.perPid[s.pid] || 0) + 1;
    socket.close();
    setTimeout(() => agent.destroy(), 1000).unref();
  });
}

function summary() {
  out('summary ' + JSON.stringify({ sessions: o.sessions, ok: st.ok, failed: st.failed,
    failures: st.failures, per_pid: st.perPid, acks_per_pid: st.acksPerPid, acks: st.acks }));
  process.exit(st.failed ? 1 : 0);
}

for (let i = 0; i < o.sessions; i++) setTimeout(() => start(i), i * 20);
const ticker = setInterval(() => {
  out(`tick ${((Date.now() - t0) / 1000).toFixed(0)} live=${st.live} acks=${st.acks} failed=${st.failed}`);
  if (st.ok + st.failed >= o.sessions) { clearInterval(ticker); summary(); }
}, 1000);
setTimeout(() => { for (const s of sessions) if (!s.done) fail(s, 'did not finish'); summary(); },
  (o.duration + o.timeout + 5) * 1000).unref();
process.on('SIGTERM', () => { for (const s of sessions) if (!s.done) { s.done = true; s.socket.close(); } summary(); });
