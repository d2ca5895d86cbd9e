"""Where the app's time goes: py-spy samples of an app worker during `bench.versus` rounds.

    python -m bench.versus --only feed,signup --profile /tmp/prof     # records
    python -m bench.profile /tmp/prof/feed-1.txt [--top 30]             # reads one back

With `--profile DIR`, each app round of each path records its first worker with
`py-spy record --nonblocking --format raw` (collapsed stacks, one line per distinct stack with
its sample count) into `DIR/<path>-<round>.txt`, plus a flame graph `DIR/<path>-<round>.svg`
with `--svg`. py-spy is not a dependency: `pip install py-spy` into the virtualenv (it needs
ptrace rights on the worker: root, or `kernel.yama.ptrace_scope=0`). Sampling costs the worker
a little: figures of a profiled run are not the ones to quote.

The summary lists, for the frames of a recording, the share of samples in which each function
is on the stack (inclusive) and at its top (self), the frames of `neighbours/` marked, so a
reader sees both the app's own functions and the libraries they spend in.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# "function (path/to/file.py:123)" in py-spy's raw format.
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def available() -> bool:
    return shutil.which("py-spy") is not None or Path(sys.executable).with_name("py-spy").exists()


def _py_spy() -> str:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else "py-spy"


@contextlib.contextmanager
def recording(pid: int | None, out: Path, *, svg: bool = False) -> Iterator[None]:
    """Sample `pid` while the block runs; nothing when there is no pid."""
    if pid is None:
        yield
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [_py_spy(), "record", "--pid", str(pid), "--nonblocking", "--rate", "250"]
    formats = [("raw", ".txt"), *([("flamegraph", ".svg")] if svg else [])]
    procs = [
        subprocess.Popen(
            [*command, "--format", fmt, "--output", str(out.with_suffix(suffix))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fmt, suffix in formats
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGINT)  # py-spy writes what it sampled, then exits
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _short(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/neighbours/", "python3."):
        at = path.find(marker)
        if at >= 0:
            path = path[at:].removeprefix("site-packages/")
            break
    return f"{match['func']} ({path})"


def summarize(raw: Path, top: int = 30) -> str:
    """The functions most on the stack in a raw recording, inclusive and self shares."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [_short(f) for f in stack.split(";") if f.strip()]
        # Idle greenlets wait in the hub: not the app's time.
        if frames and any(w in frames[-1] for w in ("wait (", "select (", "poll (")):
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
    lines = [f"{raw.name}: {total} busy samples", f"{'incl':>6} {'self':>6}  function"]
    for frame, n in inclusive.most_common(top):
        mark = "*" if "neighbours/" in frame else " "
        lines.append(f"{n / total:>6.1%} {own[frame] / total:>6.1%} {mark}{frame}")
    lines.append("top of the stack (self):")
    for frame, n in own.most_common(top // 2):
        lines.append(f"{n / total:>6.1%}  {frame}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, nargs="+")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    for raw in args.raw:
        print(summarize(raw, args.top))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
