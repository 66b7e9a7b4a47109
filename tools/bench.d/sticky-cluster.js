#!/usr/bin/env node
// sticky-cluster.js — the "Node cluster + @socket.io/sticky" competitor of tools/bench.
//
// The primary listens on --port (host --host) and hands each new connection to a worker
// with @socket.io/sticky's setupMaster (sid in the first request -> the worker that
// created that session; new sessions by --lb, default least-connection as in the
// package's README). Each of the --workers workers runs socket.io@4 with setupWorker and
// the same events as tools/echo-worker.js: `whoami` acks {pid}, `echo` acks its arguments,
// in every namespace. Its httpServer never listens: the primary passes it the sockets.
//
// stdout: `ready pid=<primary pid> port=<port> workers=<pids,...>` once every worker is up.
// SIGTERM/SIGINT: the primary stops its workers and exits 0.
'use strict';
const cluster = require('cluster');
const http = require('http');
const path = require('path');

const NM_BASE = path.join(__dirname, '..', '..', 'tests');
const need = (m) => require(require.resolve(m, { paths: [NM_BASE, __dirname] }));
const { setupMaster, setupWorker } = need('@socket.io/sticky');

const opt = { port: 3000, host: undefined, workers: 4, lb: 'least-connection' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => {
    if (i + 1 >= argv.length) { process.stderr.write(`sticky-cluster: ${a} needs a value\n`); process.exit(2); }
    return argv[++i];
  };
  if (a === '--port') opt.port = Number(val());
  else if (a === '--host') opt.host = val();
  else if (a === '--workers') opt.workers = Number(val());
  else if (a === '--lb') opt.lb = val();
  else {
    process.stderr.write('usage: sticky-cluster.js [--port P] [--host H] [--workers N]\n' +
      '         [--lb least-connection|round-robin|random]\n');
    process.exit(2);
  }
}

if (cluster.isPrimary) {
  const httpServer = http.createServer();
  setupMaster(httpServer, { loadBalancingMethod: opt.lb });
  const pids = [];
  let listening = false;
  const maybeReady = () => {
    if (listening && pids.length === opt.workers) {
      process.stdout.write(`ready pid=${process.pid} port=${opt.port} workers=${pids.join(',')}\n`);
    }
  };
  cluster.on('message', (w, msg) => {
    if (msg && msg.type === 'bench:ready') { pids.push(w.process.pid); maybeReady(); }
  });
  let stopping = false;
  cluster.on('exit', (w, code, sig) => {
    if (!stopping) process.stderr.write(`sticky-cluster: worker ${w.process.pid} exited (${sig || code})\n`);
  });
  httpServer.on('error', (e) => { process.stderr.write(`sticky-cluster: ${e.message}\n`); process.exit(1); });
  httpServer.listen({ port: opt.port, host: opt.host }, () => { listening = true; maybeReady(); });
  for (let i = 0; i < opt.workers; i++) cluster.fork();
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const id in cluster.workers) cluster.workers[id].process.kill('SIGTERM');
    httpServer.close();
    const done = () => { if (Object.keys(cluster.workers).length === 0) process.exit(0); };
    cluster.on('exit', done);
    done();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const { Server } = need('socket.io');
  const httpServer = http.createServer();
  const io = new Server(httpServer, { cors: { origin: '*' } });
  setupWorker(io);
  const onConnection = (socket) => {
    socket.on('whoami', (...args) => {
      const ack = args[args.length - 1];
      if (typeof ack === 'function') ack({ pid: process.pid });
    });
    socket.on('echo', (...args) => {
      const ack = args.pop();
      if (typeof ack === 'function') ack(...args);
    });
  };
  io.on('connection', onConnection);
  io.of(/^\/.+$/).on('connection', onConnection);
  process.on('SIGTERM', () => { io.close(() => process.exit(0)); setTimeout(() => process.exit(0), 2000).unref(); });
  process.on('SIGINT', () => {}); // the primary decides
  process.send({ type: 'bench:ready' });
}
