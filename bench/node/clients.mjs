// Many Socket.IO clients in one Node process, driven by bench/sockets.py over stdin/stdout:
// one JSON command a line in, one JSON answer a line out.
//
//   {"cmd": "connect", "targets": [{"url", "auth"}], "concurrency": 0, "timeout": 60}
//       opens one socket per target (websocket transport, no reconnection), `concurrency` at a
//       time (0: all at once, a reconnect storm); answers when every one is connected or
//       refused: how many, the refusals' messages, seconds from the first connect's start to
//       the last one connected, each connect's own time (p50, p99), the CPU this process used.
//   {"cmd": "arm", "seq": 3, "n": 1000}      count the `post:created` events carrying seq 3
//   {"cmd": "collect", "seq": 3, "timeout": 10}
//       waits until n of them arrived (or the timeout): their latencies, in ms, each from the
//       payload's `sent` (seconds since the epoch, set by the emitter) to its arrival here.
//   Answers to connect and collect also count, by reason, the sockets the server closed since.
//   {"cmd": "disconnect"}                     closes every socket
//   {"cmd": "quit"}
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";

const now = () => performance.timeOrigin + performance.now(); // ms since the epoch
const send = (answer) => process.stdout.write(JSON.stringify(answer) + "\n");

let sockets = [];
// Sockets that were connected and then closed, by reason, since the last answer that said so.
let dropped = {};
const drops = () => {
  const found = dropped;
  dropped = {};
  return found;
};
const arrivals = new Map(); // seq -> latencies (ms)
let armed = null; // {seq, n, done}

function heard(data) {
  const at = now();
  if (!data || typeof data.seq !== "number" || typeof data.sent !== "number") return;
  let list = arrivals.get(data.seq);
  if (!list) arrivals.set(data.seq, (list = []));
  list.push(at - data.sent * 1000);
  if (armed && armed.seq === data.seq && list.length >= armed.n && armed.done) armed.done();
}

function percentile(values, q) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
}

function connect({ targets, concurrency = 0, timeout = 60 }) {
  return new Promise((resolve) => {
    const cpu = process.cpuUsage();
    const started = now();
    const times = [];
    const errors = {};
    let next = 0;
    let pending = 0;
    let settled = 0;
    let connected = 0;
    let last = started;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const used = process.cpuUsage(cpu);
      resolve({
        connected,
        failed: targets.length - connected,
        errors,
        seconds: (last - started) / 1000,
        p50_ms: percentile(times, 0.5),
        p99_ms: percentile(times, 0.99),
        cpu_seconds: (used.user + used.system) / 1e6,
        dropped: drops(),
      });
    };
    const timer = setTimeout(() => {
      errors.timeout = targets.length - settled;
      finish();
    }, timeout * 1000);
    const settle = () => {
      settled += 1;
      pending -= 1;
      if (settled === targets.length) finish();
      else launch();
    };
    const launch = () => {
      while (next < targets.length && (concurrency <= 0 || pending < concurrency)) {
        const { url, auth } = targets[next++];
        pending += 1;
        const begun = now();
        const socket = io(url, {
          transports: ["websocket"],
          reconnection: false,
          forceNew: true,
          timeout: timeout * 1000,
          auth,
        });
        socket.on("post:created", heard);
        socket.once("connect", () => {
          socket.on("disconnect", (reason) => {
            if (reason !== "io client disconnect") dropped[reason] = (dropped[reason] || 0) + 1;
          });
          connected += 1;
          last = now();
          times.push(last - begun);
          settle();
        });
        socket.once("connect_error", (err) => {
          errors[err.message] = (errors[err.message] || 0) + 1;
          socket.close();
          settle();
        });
        sockets.push(socket);
      }
    };
    if (!targets.length) finish();
    else launch();
  });
}

function collect({ seq, timeout = 10 }) {
  return new Promise((resolve) => {
    const answer = () => {
      clearTimeout(timer);
      armed = null;
      resolve({ seq, latencies_ms: arrivals.get(seq) || [], dropped: drops() });
    };
    const timer = setTimeout(answer, timeout * 1000);
    if (!armed || armed.seq !== seq || (arrivals.get(seq) || []).length >= armed.n) answer();
    else armed.done = answer;
  });
}

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const command = JSON.parse(line);
  if (command.cmd === "connect") send(await connect(command));
  else if (command.cmd === "arm") {
    arrivals.delete(command.seq);
    armed = { seq: command.seq, n: command.n, done: null };
    send({ armed: command.seq });
  } else if (command.cmd === "collect") send(await collect(command));
  else if (command.cmd === "disconnect") {
    for (const socket of sockets) socket.disconnect();
    const closed = sockets.length;
    sockets = [];
    arrivals.clear();
    send({ closed });
  } else if (command.cmd === "quit") break;
  else send({ error: `unknown command ${command.cmd}` });
}
process.exit(0);
