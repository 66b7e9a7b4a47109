#!/usr/bin/env node
// A real socket.io@4 server with @socket.io/redis-adapter@8 (redis@4 clients), for the
// Redis bridge tests: what `siosteer emit` publishes must reach its clients.
//
//   redis-adapter-worker.js --redis redis://127.0.0.1:6379 [--port P [--host H]] [--name N]
//                           [--nsp /chat]...
// Listens on fd 3 under socket activation (siosteer run), else on --port (SO_REUSEPORT
// when Node has it, so several workers may share the port under `siosteer attach`).
//
// Client events:  join (room, ack) -> ack(rooms)        whoami (ack) -> {pid, name, id, rooms}
// stdout:         `ready pid=<pid> name=<name>` once listening and subscribed;
//                 `redis-error <message>` (once per distinct message) when Redis fails.
'use strict';
const http = require('http');
const path = require('path');
const NM = path.join(__dirname, '..', 'node_modules');
const { Server } = require(path.join(NM, 'socket.io'));
const { createAdapter } = require(path.join(NM, '@socket.io', 'redis-adapter'));
const { createClient } = require(path.join(NM, 'redis'));

function usage(msg) {
  if (msg) process.stderr.write(`redis-adapter-worker: ${msg}\n`);
  process.stderr.write('usage: redis-adapter-worker.js --redis URL [--port P [--host H]] [--name N] [--nsp NSP]...\n');
  process.exit(2);
}

const o = { redis: null, port: null, host: undefined, name: String(process.pid), nsps: ['/'] };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--redis') o.redis = a[++i];
    else if (a[i] === '--port') o.port = Number(a[++i]);
    else if (a[i] === '--host') o.host = a[++i];
    else if (a[i] === '--name') o.name = a[++i];
    else if (a[i] === '--nsp') o.nsps.push(a[++i]);
    else usage(`unknown argument ${a[i]}`);
  }
}
const activated = process.env.LISTEN_FDS === '1' && process.env.LISTEN_PID === String(process.pid);
if (!o.redis) usage('--redis is required');
if (!activated && !(o.port > 0 && o.port < 65536)) usage('need --port or socket activation');
if (process.env.SIOSTEER_SLOT) o.name = `${o.name}/${process.env.SIOSTEER_SLOT}`;

const seenErr = new Set();
function redisError(e) {
  const m = String((e && e.message) || e).slice(0, 120);
  if (seenErr.has(m)) return;
  seenErr.add(m);
  process.stdout.write(`redis-error ${m}\n`);
}

async function main() {
  // Reconnect forever, quickly: the adapter is only for broadcasts; serving never waits.
  const pub = createClient({ url: o.redis, socket: { reconnectStrategy: (n) => Math.min(100 * n, 1000) } });
  const sub = pub.duplicate();
  pub.on('error', redisError);
  sub.on('error', redisError);
  await Promise.all([pub.connect(), sub.connect()]);

  const httpServer = http.createServer();
  httpServer.keepAliveTimeout = 5000;
  const io = new Server(httpServer, { adapter: createAdapter(pub, sub), cors: { origin: '*' } });
  for (const name of o.nsps) {
    io.of(name).on('connection', (socket) => {
      socket.on('join', (room, ack) => {
        socket.join(String(room));
        if (typeof ack === 'function') ack([...socket.rooms]);
      });
      socket.on('whoami', (ack) => {
        if (typeof ack === 'function') ack({ pid: process.pid, name: o.name, id: socket.id, rooms: [...socket.rooms] });
      });
    });
  }
  // The adapter subscribes without waiting; a PING on the subscriber connection is
  // answered after the SUBSCRIBE/PSUBSCRIBE replies, so ready means subscribed.
  await sub.ping().catch(() => {});
  httpServer.on('error', (e) => { process.stderr.write(`redis-adapter-worker: ${e.message}\n`); process.exit(1); });
  const ready = () => process.stdout.write(`ready pid=${process.pid} name=${o.name}\n`);
  if (activated) {
    delete process.env.LISTEN_FDS; delete process.env.LISTEN_PID;
    httpServer.listen({ fd: 3 }, ready);
  } else {
    httpServer.listen({ port: o.port, host: o.host, reusePort: true }, ready);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    io.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
main().catch((e) => { process.stderr.write(`redis-adapter-worker: ${e.message}\n`); process.exit(1); });
