"""The job runner against real consumers: the injected clock, retries with backoff, the
periodic schedule once per period however many consumers, both storages."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from huey.exceptions import TaskException
from huey.signals import SIGNAL_COMPLETE

from neighbours import jobs
from tests.jobs.conftest import build_job_app, eventually, run_job

pytestmark = pytest.mark.commits


def test_a_periodic_job_takes_now_from_the_clock_the_test_moves(job_app, consumers):
    seen = []
    jobs.every(job_app, "test.clock", lambda now: seen.append(now) or now.isoformat())
    consumers()
    start = job_app.clock.now()

    assert run_job(job_app, "test.clock") == start.isoformat()
    job_app.clock.move(timedelta(hours=3))
    assert run_job(job_app, "test.clock") == (start + timedelta(hours=3)).isoformat()
    assert seen == [start, start + timedelta(hours=3)]


def test_a_failing_task_is_retried_with_backoff_and_logged_with_its_arguments(
    job_app, consumers, caplog
):
    attempts = []

    def flaky(meal_id, kind):
        attempts.append((meal_id, kind))
        if len(attempts) < 3:
            raise RuntimeError("the database blinked")
        return "sent"

    jobs.task(job_app, "test.flaky", flaky)
    consumers()
    with caplog.at_level(logging.INFO, logger="neighbours.jobs"):
        assert run_job(job_app, "test.flaky", 7, "diner") == "sent"

    assert attempts == [(7, "diner")] * 3
    failures = [r.getMessage() for r in caplog.records if "job test.flaky failed" in r.getMessage()]
    assert len(failures) == 2
    assert all("args=(7, 'diner')" in message for message in failures)
    # Backoff: the second wait is JOBS_RETRY_BACKOFF (2) times the first (0.05 s).
    assert "5 retries left, next in 0.05 s" in failures[0]
    assert "4 retries left, next in 0.1 s" in failures[1]
    assert all(r.exc_info for r in caplog.records if "job test.flaky failed" in r.getMessage())


def test_a_task_that_keeps_failing_stops_after_its_retries(job_app, consumers, caplog):
    attempts = []

    def broken():
        attempts.append(1)
        raise ValueError("never works")

    jobs.task(job_app, "test.broken", broken, retries=2)
    consumers()
    with caplog.at_level(logging.ERROR, logger="neighbours.jobs"), pytest.raises(TaskException):
        run_job(job_app, "test.broken")
    assert len(attempts) == 3
    assert (
        "no retry left"
        in [r for r in caplog.records if "test.broken" in r.getMessage()][-1].getMessage()
    )


def test_the_schedule_runs_a_periodic_job_once_per_period_whatever_the_consumers(
    job_app, consumers
):
    runs = []
    jobs.every(job_app, "test.tick", lambda now: runs.append(now))
    huey = jobs.runner(job_app).huey
    triggers = []
    done = threading.Lock()

    @huey.signal(SIGNAL_COMPLETE)
    def completed(signal, task):
        with done:
            triggers.append(type(task).__name__)

    # Two consumers start at once: each scheduler queues every periodic trigger at start.
    first, second = consumers(periodic=True), consumers(periodic=True)
    eventually(lambda: triggers.count("test.tick@every") == 2, what="both triggers ran")
    eventually(lambda: "test.tick" in triggers, what="the job ran")
    first.stop()
    second.stop()
    assert huey.pending_count() == 0
    assert len(runs) == 1, "one run for the period, not one per consumer"


@pytest.mark.parametrize("storage", ["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def test_both_storages_carry_tasks_and_results(make_app, tmp_path, storage, consumers):
    app = build_job_app(make_app, tmp_path, storage)
    jobs.task(app, "test.add", lambda a, b: a + b)
    consumers(app)
    try:
        assert run_job(app, "test.add", 2, 3) == 5
        kind = type(jobs.runner(app).huey.storage).__name__
        assert kind == ("RedisExpireStorage" if storage == "redis" else "SqliteStorage")
    finally:
        if storage == "redis":
            jobs.runner(app).huey.flush()


def test_every_job_the_app_runs_is_registered_and_periodic_ones_claim_their_period(job_app):
    runner = jobs.runner(job_app)
    assert {
        "meals.reminders",
        "meals.morning_briefs",
        "meals.free_seats_digest",
        "housekeeping.invites",
        "housekeeping.idempotency_keys",
        "housekeeping.event_log",
        "housekeeping.job_consumers",
    } <= set(runner.jobs)
    job = runner.jobs["meals.reminders"]
    assert runner.claim_period(job) is True
    assert runner.claim_period(job) is False, "a second consumer in the same minute"
    with pytest.raises(ValueError):
        jobs.every(job_app, "meals.reminders", lambda now: None)
