"""A consumer: huey's workers and scheduler for one app, and its heartbeat.

Run in the foreground by `flask worker` (production: one process per consumer, as many as
wanted; SIGINT/SIGTERM stop it), or in threads of a process that has other work
(`python -m neighbours` for `make run`, the tests): `start()` then `stop()`.

The heartbeat is a row of `job_consumers` written every `JOBS_HEARTBEAT_SECONDS` with the
app clock's time; `/readyz` reads the newest (`heartbeat.status`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from flask import Flask
from huey.consumer import Consumer

from neighbours.extensions import db
from neighbours.jobs.models import JobConsumer
from neighbours.jobs.runner import runner

log = logging.getLogger("neighbours.jobs")


class JobRunner:
    """One consumer of the app's queue (workers threads, the scheduler, the heartbeat)."""

    def __init__(self, app: Flask, *, workers: int | None = None, periodic: bool = True) -> None:
        self.app = app
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            # huey logs every run at INFO (a dozen lines a minute); our own lines say what
            # was sent and what failed, with its arguments.
            logging.getLogger("huey").setLevel(logging.WARNING)
        self.workers = workers or int(app.config["JOBS_WORKERS"])
        self.periodic = periodic
        self.id = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.consumer = Consumer(
            runner(app).huey,
            workers=self.workers,
            periodic=periodic,
            worker_type="thread",
            # Poll an empty SQLite queue often enough for tests, rarely enough for a laptop.
            initial_delay=0.05,
            max_delay=1.0,
        )
        self._stop = threading.Event()
        self._heart: threading.Thread | None = None
        self._threads_started = False

    # -- in threads ---------------------------------------------------------------------

    def start(self) -> JobRunner:
        """Start the workers, the scheduler and the heartbeat in daemon threads (no signal
        handlers: the process they live in keeps its own)."""
        self._start_heart()
        self.consumer.scheduler.start()
        for _, worker in self.consumer.worker_threads:
            worker.start()
        self._threads_started = True
        log.info("job consumer %s started in threads (%d workers)", self.id, self.workers)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking tasks, let running ones finish (up to `timeout`), stop the heart."""
        self.consumer.stop_flag.set()
        if self._threads_started:
            for _, worker in self.consumer.worker_threads:
                worker.join(timeout)
            self.consumer.scheduler.join(timeout)
        self._stop_heart()
        log.info("job consumer %s stopped", self.id)

    # -- in the foreground --------------------------------------------------------------

    def run(self) -> None:
        """Run until SIGINT/SIGTERM (`flask worker`)."""
        self._start_heart()
        try:
            self.consumer.run()
        finally:
            self._stop_heart()

    # -- the heartbeat ------------------------------------------------------------------

    def _start_heart(self) -> None:
        self.beat()
        self._heart = threading.Thread(target=self._beat_forever, name="jobs-heartbeat")
        self._heart.daemon = True
        self._heart.start()

    def _stop_heart(self) -> None:
        self._stop.set()
        if self._heart is not None:
            self._heart.join(5)
        self.beat(stopped=True)

    def _beat_forever(self) -> None:
        interval = float(self.app.config["JOBS_HEARTBEAT_SECONDS"])
        while not self._stop.wait(interval):
            try:
                self.beat()
            except Exception:  # the database is away: beat again next time
                log.exception("job consumer %s: heartbeat not written", self.id)

    def beat(self, *, stopped: bool = False) -> None:
        """Write this consumer's heartbeat (the app clock's now)."""
        with self.app.app_context():
            try:
                now = runner(self.app).clock.now()
                row = db.session.get(JobConsumer, self.id)
                if row is None:
                    row = JobConsumer(
                        id=self.id,
                        hostname=socket.gethostname()[:80],
                        pid=os.getpid(),
                        workers=self.workers,
                        started_at=now,
                        beat_at=now,
                    )
                    db.session.add(row)
                if stopped:
                    row.stopped_at = now
                else:
                    row.beat_at = now
                db.session.commit()
            finally:
                db.session.remove()
