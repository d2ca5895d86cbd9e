"""`flask worker` as production runs it: its own process, a heartbeat, tasks, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from neighbours import jobs
from neighbours.extensions import db
from neighbours.jobs.models import JobConsumer
from tests.jobs.conftest import eventually
from tests.support.settings import DATABASE_URL, REDIS_URL

pytestmark = [pytest.mark.commits, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_process_beats_runs_tasks_and_stops_on_sigterm(make_app, tmp_path):
    queue = f"neighbours_test_{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": DATABASE_URL,
        "JOBS_QUEUE": queue,
        "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db"),
        "JOBS_HEARTBEAT_SECONDS": "0.2",
    }
    env.pop("REDIS_URL", None)
    config = {"JOBS_QUEUE": queue, "JOBS_SQLITE_PATH": str(tmp_path / "jobs.db")}
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
        env["REDIS_CHANNEL_PREFIX"] = config["REDIS_CHANNEL_PREFIX"] = queue
        config["REDIS_URL"] = REDIS_URL
    sender = make_app(**config)
    flask = [sys.executable, "-m", "flask"]
    worker = subprocess.Popen(
        [*flask, "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        eventually(
            lambda: db.session.execute(select(JobConsumer.id)).first(),
            timeout=30,
            what="the worker's first heartbeat",
        )
        status = subprocess.run([*flask, "jobs", "status"], cwd=ROOT, env=env, capture_output=True)
        assert status.returncode == 0, status.stdout

        # A periodic job queued from another process runs there (nothing due: 0 sent).
        result = jobs.enqueue("meals.reminders", app=sender)
        assert result.get(blocking=True, timeout=30) == 0
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
        if REDIS_URL:
            jobs.runner(sender).huey.flush()
    assert worker.returncode == 0, output
    db.session.expire_all()
    row = db.session.execute(select(JobConsumer)).scalar_one()
    assert row.stopped_at is not None, "a clean stop says so"
    status = subprocess.run([*flask, "jobs", "status"], cwd=ROOT, env=env, capture_output=True)
    assert status.returncode == 1, "no consumer alive: the probe fails"
