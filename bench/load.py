"""The HTTP load generator of `bench.versus`: gevent greenlets on keep-alive connections.

Each connection is a greenlet with one socket that sends a request, reads the whole response
(status line, headers, a `Content-Length` or chunked body) and sends the next: a closed loop,
as many requests in flight as connections. Requests are prepared as bytes beforehand, so the
generator costs a few tens of microseconds of CPU per request.

    python -m bench.load --selftest

starts two bare gunicorn gevent processes (`bench.bare`, as `bench.versus` does) and drives
their constant `/bench/ping` with 32 connections for a few seconds: the req/s it reaches and
the generator's own CPU per request show how far it is from being the bottleneck.
"""

from gevent import monkey

monkey.patch_all()  # the connections are greenlets; before every other import

import argparse  # noqa: E402
import resource  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import gevent.queue  # noqa: E402


def request_bytes(
    method: str, path: str, port: int, token: str | None = None, body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buf = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        return sock

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buf += chunk

    def _read_until(self, sock: socket.socket, marker: bytes) -> bytes:
        while (end := self.buf.find(marker)) < 0:
            self._fill(sock)
        found, self.buf = self.buf[:end], self.buf[end + len(marker) :]
        return found

    def _read_exactly(self, sock: socket.socket, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill(sock)
        found, self.buf = self.buf[:n], self.buf[n:]
        return found

    def send(self, raw: bytes) -> tuple[int, bytes]:
        """(status, body) of one request; one retry on a fresh connection if the kept one was
        closed meanwhile."""
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = self._connect()
            try:
                return self._exchange(self.sock, raw)
            except (ConnectionError, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _exchange(self, sock: socket.socket, raw: bytes) -> tuple[int, bytes]:
        sock.sendall(raw)
        head = self._read_until(sock, b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            body = b""
            while size := int(self._read_until(sock, b"\r\n").split(b";")[0], 16):
                body += self._read_exactly(sock, size)
                self._read_until(sock, b"\r\n")
            self._read_until(sock, b"\r\n")
        else:
            at = headers.find(b"content-length:")
            body = b""
            if at >= 0:
                end = headers.find(b"\r\n", at)
                length = int(headers[at + 15 : end if end >= 0 else len(headers)])
                body = self._read_exactly(sock, length)
        if b"connection: close" in headers:
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


@dataclass
class Result:
    """What one run of the generator measured."""

    latencies: list[float] = field(default_factory=list)  # seconds, of the 2xx responses
    statuses: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # the generator's own CPU seconds

    def count(self, status: int, latency: float) -> None:
        """A response; only a success counts in the rate and the latencies (an error is often
        fast, and would flatter the server that fails)."""
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            self.latencies.append(latency)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def bad(self) -> int:
        """Responses that were not 2xx, and requests that got no response."""
        return self.failures + sum(n for s, n in self.statuses.items() if not 200 <= s < 300)


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def closed_loop(
    ports: Sequence[int],
    requests: Callable[[int, int], bytes],
    *,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
) -> Result:
    """`connections` keep-alive connections spread over `ports`, each sending
    `requests(connection, n)` one after another for `warmup` + `seconds`; only what completes
    after the warm-up counts."""
    result = Result()
    conns = [Connection(ports[i % len(ports)]) for i in range(connections)]
    start = time.perf_counter()
    counting = start + warmup
    stop = counting + seconds

    def run(i: int) -> None:
        conn, n = conns[i], 0
        while (now := time.perf_counter()) < stop:
            try:
                status, _ = conn.send(requests(i, n))
            except (ConnectionError, OSError, ValueError):
                result.failures += now >= counting
                gevent.sleep(0.01)
                continue
            done = time.perf_counter()
            if now >= counting:
                result.count(status, done - now)
            n += 1

    cpu: list[float] = []
    gevent.spawn_later(warmup, lambda: cpu.append(_cpu()))  # from the end of the warm-up
    greenlets = [gevent.spawn(run, i) for i in range(connections)]
    gevent.joinall(greenlets, timeout=warmup + seconds + 120)
    result.wall = min(time.perf_counter(), stop) - counting
    result.cpu = _cpu() - cpu[0] if cpu else 0.0
    for conn in conns:
        conn.close()
    return result


def burst(ports: Sequence[int], requests: Sequence[bytes], *, concurrency: int) -> Result:
    """Send every request once, `concurrency` at a time (each worker on its own keep-alive
    connection, connected before the clock starts); wall time from the first send to the last
    response."""
    result = Result()
    queue: gevent.queue.Queue = gevent.queue.Queue()
    for raw in requests:
        queue.put(raw)
    conns = [Connection(ports[i % len(ports)]) for i in range(concurrency)]
    for conn in conns:
        conn.sock = conn._connect()
    ready = gevent.event.Event()

    def run(i: int) -> None:
        ready.wait()
        while True:
            try:
                raw = queue.get_nowait()
            except gevent.queue.Empty:
                return
            sent = time.perf_counter()
            try:
                status, _ = conns[i].send(raw)
            except (ConnectionError, OSError, ValueError):
                result.failures += 1
                continue
            result.count(status, time.perf_counter() - sent)

    greenlets = [gevent.spawn(run, i) for i in range(concurrency)]
    gevent.sleep(0)
    cpu, start = _cpu(), time.perf_counter()
    ready.set()
    gevent.joinall(greenlets, timeout=300)
    result.wall = time.perf_counter() - start
    result.cpu = _cpu() - cpu
    for conn in conns:
        conn.close()
    return result


def selftest(seconds: float, connections: int, port_base: int) -> int:
    import tempfile
    from pathlib import Path

    from bench import servers

    if port_base:
        servers.use_ports_from(port_base)
    with tempfile.TemporaryDirectory(prefix="neighbours-load-") as tmp:
        env = {"DATABASE_URL": "postgresql://127.0.0.1:1/none", "LOG_LEVEL": "warning"}
        procs = [servers.start_bare(env, Path(tmp), f"ping{i}") for i in range(2)]
        try:
            for proc in procs:
                servers.wait_ready(proc)
            ports = [p.port for p in procs]
            raws = {port: request_bytes("GET", "/bench/ping", port) for port in ports}
            res = closed_loop(
                ports,
                lambda i, _n: raws[ports[i % len(ports)]],
                connections=connections,
                seconds=seconds,
            )
        finally:
            for proc in procs:
                servers.stop(proc)
    per_request = res.cpu / max(1, len(res.latencies)) * 1e6
    print(
        f"/bench/ping on 2 bare gunicorn gevent processes, {connections} connections: "
        f"{res.throughput:,.0f} req/s, p50 {statistics.median(res.latencies) * 1000:.1f} ms, "
        f"p99 {res.p(0.99) * 1000:.1f} ms, {res.bad} bad; the generator used "
        f"{per_request:.0f} us of CPU per request "
        f"(it alone could drive about {1e6 / per_request:,.0f} req/s on one core)"
    )
    return 0 if res.bad == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--selftest", action="store_true", required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port-base", type=int, default=0, help="default: BENCH_PORT_BASE")
    args = parser.parse_args(argv)
    return selftest(args.seconds, args.connections, args.port_base)


if __name__ == "__main__":
    sys.exit(main())
