"""The servers `bench.versus` compares: gunicorn processes of the app or of the bare baseline.

Both are started the same way, `gunicorn -c config/gunicorn.conf.py` (one gevent worker per
process, as in production), each in its own process group so that it always dies with the
bench. Ports are consecutive from `BENCH_PORT_BASE` (or `--port-base`) when given, else any
free ones.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.realtime.servers import Server, free_port, stop, wait_ready

__all__ = [
    "Server",
    "rss_mb",
    "settle",
    "start",
    "start_bare",
    "stop",
    "wait_ready",
    "worker_pid",
]

ROOT = Path(__file__).resolve().parents[1]
_base = int(os.environ.get("BENCH_PORT_BASE") or 0)
_next_port: itertools.count | None = itertools.count(_base) if _base else None


def use_ports_from(base: int) -> None:
    """Take ports base, base+1, ... instead of free ones (0: free ones)."""
    global _next_port
    _next_port = itertools.count(base) if base else None


def start(env: dict[str, str], log_dir: Path, name: str, app: str = "wsgi:app") -> Server:
    port = next(_next_port) if _next_port is not None else free_port()
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py"]
        process = subprocess.Popen(
            [*command, "-b", f"127.0.0.1:{port}", app],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(process, port, log_path)


def start_bare(env: dict[str, str], log_dir: Path, name: str) -> Server:
    return start(env, log_dir, name, app="bench.bare:app")


def worker_pid(server: Server) -> int | None:
    """The gunicorn worker (the arbiter's one child)."""
    pid = server.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def rss_mb(server: Server) -> float:
    """Resident memory of the server's worker process, in MB (NaN if unknown)."""
    pid = worker_pid(server)
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, TypeError):
        pass
    return float("nan")


def _cpu_seconds(pid: int | None) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(group: list[Server], *, busy: float = 0.1, timeout: float = 20.0) -> float:
    """Wait until every server's worker uses under `busy` of a core (what a round left behind,
    a wave of disconnects, is done); the seconds waited."""
    started = time.monotonic()
    pids = [worker_pid(server) for server in group]
    window = 0.3
    while time.monotonic() - started < timeout:
        before = [_cpu_seconds(pid) for pid in pids]
        time.sleep(window)
        after = [_cpu_seconds(pid) for pid in pids]
        if all(b - a < busy * window for a, b in zip(before, after, strict=True)):
            break
    return time.monotonic() - started
