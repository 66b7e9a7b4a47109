#!/usr/bin/env node
// The bytes on the wire, for comparing `siosteer emit` with @socket.io/redis-emitter:
//
//   redis-wire.js capture --redis URL --count N [--timeout S]
//       PSUBSCRIBE * and print `msg <channel> <hex>` for each of the next N messages
//       (`subscribed` first). Exits 0 after N messages, 1 on timeout.
//   redis-wire.js emitter --calls FILE
//       For each call in FILE, print `msg <channel> <hex>` for what the real
//       @socket.io/redis-emitter publishes (a stand-in client records it; no Redis).
//
// FILE: JSON array of {op: emit|join|leave|disconnect, nsp, to: [], except: [],
//       volatile, event, args: [], rooms: [], close}.
'use strict';
const path = require('path');
const fs = require('fs');
const NM = path.join(__dirname, '..', 'node_modules');

const [mode, ...rest] = process.argv.slice(2);
const opt = {};
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = rest[i + 1];
const hex = (m) => Buffer.from(m).toString('hex');

if (mode === 'emitter') {
  const { Emitter } = require(path.join(NM, '@socket.io', 'redis-emitter'));
  const rec = { publish: (ch, msg) => console.log(`msg ${ch} ${hex(msg)}`) };
  for (const c of JSON.parse(fs.readFileSync(opt.calls, 'utf8'))) {
    let op = new Emitter(rec).of(c.nsp || '/');
    let b = op.to([]);
    for (const r of c.to || []) b = b.to(r);
    for (const r of c.except || []) b = b.except(r);
    if (c.volatile) b = b.volatile;
    if (c.op === 'emit') b.emit(c.event, ...(c.args || []));
    else if (c.op === 'join') b.socketsJoin(c.rooms);
    else if (c.op === 'leave') b.socketsLeave(c.rooms);
    else if (c.op === 'disconnect') b.disconnectSockets(!!c.close);
    else throw new Error(`unknown op ${c.op}`);
  }
} else if (mode === 'capture') {
  const { createClient } = require(path.join(NM, 'redis'));
  const want = Number(opt.count || 1);
  let got = 0;
  const sub = createClient({ url: opt.redis });
  sub.on('error', (e) => { console.error(`redis-wire: ${e.message}`); process.exit(1); });
  setTimeout(() => { console.error(`redis-wire: timeout after ${got}/${want} messages`); process.exit(1); },
    Number(opt.timeout || 20) * 1000).unref();
  sub.connect().then(() => sub.pSubscribe('*', (msg, ch) => {
    console.log(`msg ${ch} ${hex(msg)}`);
    if (++got >= want) process.exit(0);
  }, true)).then(() => console.log('subscribed'));
} else {
  console.error('usage: redis-wire.js capture --redis URL --count N | emitter --calls FILE');
  process.exit(2);
}
