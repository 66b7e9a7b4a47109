// The test page's side of the siosteer browser test. The driver (driver.js)
// calls window.sstRun({sessions, transports, acks, ackTimeoutMs,
// connectTimeoutMs, keep}) and gets one record per session:
//   {i, ok, acks, pids, sids, reconnects, connectErrors, disconnects,
//    upgradeErrors, transport, reason}
// Sessions run concurrently, each with its own engine.io connection
// (forceNew) and socket.io-client's default reconnection ON, as an app has it:
// a request that reaches the wrong worker (400 Session ID unknown) then shows
// as a disconnect + reconnect, a new sid and a second pid, not as a hang.
// Every wait is bounded: a session that misses one ack stops there.
'use strict';
window.sstSockets = [];

function sstSession(i, o) {
  const rec = { i, ok: false, acks: 0, pids: [], sids: [], reconnects: 0, connectErrors: 0,
    disconnects: [], upgradeErrors: 0, transport: null, reason: null };
  const opts = { forceNew: true, timeout: o.connectTimeoutMs };
  if (o.transports) opts.transports = o.transports; // else socket.io-client's default: polling, then WebSocket
  const socket = io(opts);
  window.sstSockets.push(socket);
  const noteSid = () => {
    const id = socket.io.engine && socket.io.engine.id;
    if (id && !rec.sids.includes(id)) rec.sids.push(id);
  };
  const watchEngine = () => {
    const e = socket.io.engine;
    if (e && !e.sstWatched) { e.sstWatched = true; e.on('upgradeError', () => { rec.upgradeErrors++; }); }
  };
  watchEngine();
  socket.io.on('open', () => { noteSid(); watchEngine(); });
  socket.on('connect', noteSid);
  socket.on('connect_error', () => { rec.connectErrors++; });
  let done = false; // the session's own close at the end is no disconnect to count
  socket.on('disconnect', (reason) => { if (!done) rec.disconnects.push(reason); });
  socket.io.on('reconnect_attempt', () => { rec.reconnects++; });
  const ack = () => new Promise((resolve, reject) => {
    socket.timeout(o.ackTimeoutMs).emit('whoami', (err, r) => (err ? reject(new Error('ack timeout')) : resolve(r)));
  });
  const connected = new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', resolve);
    setTimeout(() => reject(new Error('connect timeout')), o.connectTimeoutMs);
  });
  return (async () => {
    try {
      await connected;
      for (let k = 0; k < o.acks; k++) {
        const r = await ack();
        rec.acks++;
        if (r && !rec.pids.includes(r.pid)) rec.pids.push(r.pid);
      }
      if (o.waitUpgrade) {
        // Default transports: give the WebSocket upgrade a bounded moment to finish.
        for (let t = 0; t < 40 && socket.io.engine && socket.io.engine.transport.name !== 'websocket'; t++) {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      rec.ok = rec.acks === o.acks && rec.pids.length === 1;
      if (!rec.ok) rec.reason = `pids ${rec.pids.join(',')}`;
    } catch (e) {
      rec.reason = e.message;
    }
    done = true;
    noteSid();
    rec.transport = socket.io.engine && socket.io.engine.transport ? socket.io.engine.transport.name : null;
    if (!o.keep) socket.close();
    return rec;
  })();
}

window.sstRun = (o) => {
  document.getElementById('state').textContent = 'running';
  return Promise.all(Array.from({ length: o.sessions }, (_, i) => sstSession(i, o))).then((r) => {
    document.getElementById('state').textContent = 'done';
    return r;
  });
};
