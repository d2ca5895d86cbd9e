"""Fixtures for the job runner's tests: an app with its own queue and a movable clock, and
real consumers started (in threads) by the test.

The queue is huey's SQLite storage in a plain `make test`, its Redis storage when REDIS_URL
is set (as in CI); each test has its own queue name (and Redis channel prefix).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from neighbours import jobs
from neighbours.database import utcnow
from neighbours.jobs.consumer import JobRunner
from tests.support.settings import REDIS_URL


def build_job_app(make_app: Callable[..., Flask], tmp_path: Path, storage: str, **config: Any):
    queue = f"neighbours_test_{uuid.uuid4().hex[:12]}"
    settings: dict[str, Any] = {
        "JOBS_QUEUE": queue,
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"),
        "JOBS_RETRY_DELAY_SECONDS": 0.05,
        "JOBS_RETRY_BACKOFF": 2.0,
        "JOBS_HEARTBEAT_SECONDS": 0.1,
        **config,
    }
    if storage == "redis":
        settings.update(REDIS_URL=REDIS_URL, REDIS_CHANNEL_PREFIX=queue)
    app = make_app(**settings)
    app.clock = jobs.MovableClock(utcnow())  # type: ignore[attr-defined]
    jobs.set_clock(app, app.clock)  # type: ignore[attr-defined]
    return app


DEFAULT_STORAGE = "redis" if REDIS_URL else "sqlite"


@pytest.fixture
def job_app(make_app: Callable[..., Flask], tmp_path: Path) -> Iterator[Flask]:
    """An app on the tests' database with a queue of its own and a `MovableClock`
    (`job_app.clock`), set at the real now."""
    app = build_job_app(make_app, tmp_path, DEFAULT_STORAGE)
    yield app
    if app.config.get("REDIS_URL"):
        jobs.runner(app).huey.flush()


@pytest.fixture
def consumers(job_app: Flask) -> Iterator[Callable[..., JobRunner]]:
    """`consumers()` starts a real consumer of `job_app`'s queue (periodic schedule off unless
    `periodic=True`); all are stopped when the test ends."""
    started: list[JobRunner] = []

    def start(app: Flask | None = None, **options: Any) -> JobRunner:
        options.setdefault("periodic", False)
        consumer = JobRunner(app or job_app, **options).start()
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        consumer.stop()


def run_job(app: Flask, name: str, *args: Any, timeout: float = 30) -> Any:
    """Queue a run of job `name` and wait for a consumer to finish it; its return value."""
    result = jobs.enqueue(name, *args, app=app)
    assert result is not None
    return result.get(blocking=True, timeout=timeout)


def eventually(check: Callable[[], Any], timeout: float = 15, what: str = "") -> Any:
    """Poll `check` until it returns something true (a consumer works in other threads)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or check}")
        time.sleep(0.02)
