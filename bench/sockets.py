"""The socket side of `bench.versus`: thousands of Socket.IO clients, and an emitter.

The clients are the official socket.io-client under Node (`bench/node/clients.mjs`), all in one
process: it holds 3,000 websockets for a few tens of MB and little CPU, where as many
python-socketio clients would compete with the servers for the machine's two cores. Node 18+
and npm are needed; the package is installed into `bench/node/node_modules` (not committed) on
first use: `npm install --prefix bench/node`.

The emitter publishes straight on a server's Redis channel, as any process of the app does
(python-socketio's write-only `RedisManager`): one `post:created` to a neighbourhood's room,
carrying the time it was sent, so each client can tell its latency.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

NODE_DIR = Path(__file__).resolve().parent / "node"


def ensure_installed() -> None:
    """Install socket.io-client into bench/node if it is not there yet."""
    if (NODE_DIR / "node_modules" / "socket.io-client").is_dir():
        return
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise SystemExit(
            "the socket paths need Node.js 18+ and npm (e.g. apt-get install -y nodejs npm); "
            "or leave them out: --only feed,meals,meal,signup"
        )
    print("installing socket.io-client: npm install --prefix bench/node", flush=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_DIR,
        check=True,
    )


class Clients:
    """The Node process holding the sockets; each call is one command and its answer."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            ["node", str(NODE_DIR / "clients.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def call(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the Node clients exited ({self.process.poll()})")
        return json.loads(line)

    def connect(
        self, targets: list[tuple[str, dict[str, Any]]], *, concurrency: int, timeout: float
    ) -> dict[str, Any]:
        return self.call(
            cmd="connect",
            targets=[{"url": url, "auth": auth} for url, auth in targets],
            concurrency=concurrency,
            timeout=timeout,
        )

    def disconnect(self) -> int:
        return int(self.call(cmd="disconnect")["closed"])

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.call(cmd="quit")
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=5)


class Emitter:
    """Publishes on one server group's Redis channel."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        import socketio

        self.manager = socketio.RedisManager(
            redis_url, channel=f"{prefix}:socketio", write_only=True
        )

    def post(self, room: str, seq: int, post: dict[str, Any]) -> None:
        # An event id above any in the log: a socket just caught up by a replay skips live
        # events it already holds (ids up to its replay's last), and this one it doesn't.
        data = {**post, "event_id": FRESH_EVENT_IDS + seq, "seq": seq, "sent": time.time()}
        self.manager.emit("post:created", data, room=room, namespace="/")


def fan_out(
    clients: Clients, emitter: Emitter, room: str, expected: int, seqs: range, gap: float
) -> tuple[list[float], int]:
    """One post at a time to `room`: every delivery's latency (seconds), and how many of the
    `expected` deliveries of each post never came (within 10 s, or to a socket the server
    closed)."""
    latencies: list[float] = []
    lost = 0
    alive = expected  # a socket the server closed meanwhile loses what follows
    for seq in seqs:
        clients.call(cmd="arm", seq=seq, n=alive)
        emitter.post(room, seq, POST)
        answer = clients.call(cmd="collect", seq=seq, timeout=10)
        got = answer["latencies_ms"]
        if answer["dropped"]:
            print(f"  sockets closed by the server: {answer['dropped']}", flush=True)
            alive -= sum(answer["dropped"].values())
        latencies += [ms / 1000 for ms in got]
        lost += max(0, expected - len(got))
        time.sleep(gap)
    return latencies, lost


# A post as `post:created` carries it (a `LivePost`).
POST: dict[str, Any] = {
    "id": 1,
    "neighbourhood_id": 1,
    "author": {"id": 2, "display_name": "Neighbour 1", "avatar_url": None},
    "category": "lend_borrow",
    "title": "A ladder to lend, a cat to find",
    "body": "Bonjour les voisins, " * 12,
    "status": "published",
    "pinned": False,
    "created_at": "2026-05-04T18:30:00Z",
    "edited_at": None,
    "comment_count": 0,
    "reactions": {},
}
FRESH_EVENT_IDS = 2**40
