"""The job runner of one app: its huey, the jobs features registered, and how a task runs.

huey stores the queue in Redis when `REDIS_URL` is set, else in a SQLite file
(`JOBS_SQLITE_PATH`, default `instance/jobs.db`), so `make run` needs nothing installed. The
huey instance is made on first use: an app that never enqueues nor consumes opens no file.

A job is a named function a feature registers through `neighbours.wiring` (this module knows
no feature):

- a **periodic** job, `fn(now) -> int | None`, runs every `every` (a whole number of minutes,
  on the minute). Each consumer's scheduler enqueues it, but only the first to claim the
  period in the queue's storage does (`put_if_empty`): with several consumers it still runs
  once a period. It must be safe to run twice all the same (a claimed unique row per thing it
  sends, never a flag in memory): two periods may overlap, and a retried run repeats;
- a **task**, `fn(*args)`, runs when something enqueues it (`enqueue(name, *args)`).

Both run the same way (`execute`): in an app context of their own, with "now" from the app's
clock; a failure is rolled back, logged with the task's arguments and tried again
`JOBS_RETRIES` times, after `JOBS_RETRY_DELAY_SECONDS`, multiplied by `JOBS_RETRY_BACKOFF`
each time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisExpireHuey, SqliteHuey
from huey.api import Result, TaskWrapper

from neighbours.extensions import db
from neighbours.jobs.clock import Clock, SystemClock

log = logging.getLogger("neighbours.jobs")

_KEY = "neighbours.jobs"
# The module huey files every task under (its registry names them `module.name`).
_MODULE = "neighbours.jobs.task"


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[..., Any]
    # Periodic jobs only: how often, in whole minutes.
    every: timedelta | None = None
    retries: int | None = None


def make_huey(app: Flask) -> Huey:
    """The app's huey: Redis storage with `REDIS_URL`, else the embedded SQLite file."""
    config = app.config
    name = config["JOBS_QUEUE"]
    if config.get("REDIS_URL"):
        # Results (asked for by tests and `flask jobs run`) expire by themselves after a day.
        return RedisExpireHuey(
            name,
            url=config["REDIS_URL"],
            expire_time=86400,
            utc=True,
            store_intermediate_errors=False,
        )
    path = config.get("JOBS_SQLITE_PATH") or os.path.join(app.instance_path, "jobs.db")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # A result is an error only once the retries are spent (`store_intermediate_errors`).
    return SqliteHuey(name, filename=path, utc=True, timeout=30, store_intermediate_errors=False)


class Runner:
    """The jobs of one app and its huey (kept in `app.extensions`)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: dict[str, Job] = {}
        self.clock: Clock = SystemClock()
        self._huey: Huey | None = None
        self._tasks: dict[str, TaskWrapper] = {}
        self._lock = threading.RLock()

    @property
    def huey(self) -> Huey:
        with self._lock:
            if self._huey is None:
                self._huey = make_huey(self.app)
                for job in self.jobs.values():
                    self._register(job)
            return self._huey

    def add(self, job: Job) -> None:
        with self._lock:
            if job.name in self.jobs:
                raise ValueError(f"a job named {job.name!r} is already registered")
            if job.every is not None and (
                job.every < timedelta(minutes=1) or job.every % timedelta(minutes=1)
            ):
                raise ValueError("a periodic job runs every whole number of minutes")
            self.jobs[job.name] = job
            if self._huey is not None:
                self._register(job)

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> Result | None:
        """Queue a run of a job (a periodic one runs at the clock's now); returns huey's
        result handle (`.get(blocking=True, timeout=...)` waits for what the job returned)."""
        huey = self.huey
        task = self._tasks.get(name)
        if task is None:
            raise KeyError(f"no job named {name!r}")
        return huey.enqueue(task.s(*args, delay=delay) if delay else task.s(*args))

    def _register(self, job: Job) -> None:
        assert self._huey is not None
        config = self.app.config
        runner = self

        def run(*args: Any, task: Any = None) -> Any:
            return runner.execute(job, args, task)

        run.__module__ = _MODULE
        self._tasks[job.name] = self._huey.task(
            retries=config["JOBS_RETRIES"] if job.retries is None else job.retries,
            retry_delay=config["JOBS_RETRY_DELAY_SECONDS"],
            retry_backoff=config["JOBS_RETRY_BACKOFF"],
            context=True,
            name=job.name,
        )(run)
        if job.every is not None:
            self._register_periodic(job)

    def _register_periodic(self, job: Job) -> None:
        """The scheduler's trigger: claims this period, then queues the job itself (so the
        run, its retries and its log are those of any task)."""
        assert self._huey is not None and job.every is not None
        minutes = int(job.every.total_seconds() // 60)
        runner = self

        def due(timestamp: datetime) -> bool:
            return (timestamp.hour * 60 + timestamp.minute) % minutes == 0

        def trigger() -> None:
            if runner.claim_period(job):
                runner.enqueue(job.name)

        trigger.__module__ = _MODULE
        self._huey.periodic_task(due, name=f"{job.name}@every")(trigger)

    def claim_period(self, job: Job) -> bool:
        """Whether this consumer is the first to trigger `job` in the current period (real
        time: it is about consumers enqueueing at once, not about what the job does)."""
        assert job.every is not None
        seconds = int(job.every.total_seconds())
        period = int(time.time() // seconds)
        storage = self.huey.storage
        key = f"neighbours.period:{job.name}"
        if not storage.put_if_empty(f"{key}:{period}", b"1"):
            return False
        storage.delete_data(f"{key}:{period - 2}")  # keep a couple of periods, no more
        return True

    def execute(self, job: Job, args: tuple[Any, ...], task: Any) -> Any:
        with self.app.app_context():
            now = self.clock.now()
            try:
                result = job.fn(now) if job.every is not None else job.fn(*args)
                db.session.commit()
                return result
            except Exception:
                db.session.rollback()
                left = getattr(task, "retries", 0) or 0
                delay = getattr(task, "retry_delay", 0) or 0
                log.exception(
                    "job %s failed (args=%r, now=%s, task=%s); %s",
                    job.name,
                    args,
                    now.isoformat(),
                    getattr(task, "id", "-"),
                    f"{left} retries left, next in {delay:g} s" if left else "no retry left",
                )
                raise
            finally:
                db.session.remove()


def runner(app: Flask | None = None) -> Runner:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_KEY)
    if found is None:
        found = app.extensions[_KEY] = Runner(app)
    return found
