#!/usr/bin/env node
// Long-lived socket.io-client@4 clients that join rooms and report everything they receive,
// one line each, so a shell test can check who got what:
//
//   redis-room-clients.js --client a http://198.18.0.1:3001 roomA [--client b URL/chat -] ...
//                         [--duration S]
//
// URL's path names the namespace (http://h:p/chat -> /chat); ROOMS is a comma list or "-".
// stdout:  ready <name> id=<socket id> server=<server name> rooms=<json>
//          event <name> <event> <json args>
//          disconnect <name> <reason>
// Clients never reconnect: a server-side disconnect stays visible.
'use strict';
const path = require('path');
const { io } = require(path.join(__dirname, '..', 'node_modules', 'socket.io-client'));

const clients = [];
let duration = 300;
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--client' && i + 3 < a.length) {
      clients.push({ name: a[i + 1], url: a[i + 2], rooms: a[i + 3] === '-' ? [] : a[i + 3].split(',') });
      i += 3;
    } else if (a[i] === '--duration') {
      duration = Number(a[++i]);
    } else {
      process.stderr.write(`redis-room-clients: bad argument ${a[i]}\n` +
        'usage: redis-room-clients.js --client NAME URL ROOMS|- ... [--duration S]\n');
      process.exit(2);
    }
  }
  if (!clients.length) { process.stderr.write('redis-room-clients: no --client\n'); process.exit(2); }
}
const out = (s) => process.stdout.write(s + '\n');

for (const c of clients) {
  const s = io(c.url, { forceNew: true, reconnection: false, timeout: 10000 });
  s.onAny((ev, ...args) => out(`event ${c.name} ${ev} ${JSON.stringify(args)}`));
  s.on('connect_error', (e) => out(`connect_error ${c.name} ${e.message}`));
  s.on('disconnect', (reason) => out(`disconnect ${c.name} ${reason}`));
  s.once('connect', async () => {
    let rooms = [];
    for (const r of c.rooms) rooms = await s.timeout(5000).emitWithAck('join', r).catch(() => rooms);
    const me = await s.timeout(5000).emitWithAck('whoami').catch(() => ({}));
    out(`ready ${c.name} id=${s.id} server=${me.name} rooms=${JSON.stringify(rooms.length ? rooms : me.rooms)}`);
  });
}
setTimeout(() => process.exit(0), duration * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
// Keep running until killed or the duration ends.
setInterval(() => {}, 1 << 30);
