"""The job runner (huey): periodic jobs and tasks, an injected clock, consumers' heartbeats.

A core module: it knows no feature. Features offer plain functions and `neighbours.wiring`
registers them here, per app:

    jobs.every(app, "meals.reminders", reminders.send_due)          # fn(now), every minute
    jobs.every(app, "housekeeping.invites", prune, minutes=60)      # every hour, on the hour
    jobs.task(app, "mail.send", send_mail)                           # fn(*args), when enqueued
    jobs.enqueue("mail.send", 42)                                    # from anywhere in the app

Tasks take "now" from `jobs.now()` (periodic ones receive it): the app's clock, which tests
replace with a `MovableClock`. See the README, "Jobs, reminders and briefs".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from huey.api import Result

from neighbours.jobs.clock import Clock, MovableClock, SystemClock
from neighbours.jobs.once import claim_once
from neighbours.jobs.runner import Job, Runner, runner

__all__ = [
    "Clock",
    "MovableClock",
    "SystemClock",
    "claim_once",
    "enqueue",
    "every",
    "init_app",
    "now",
    "runner",
    "set_clock",
    "task",
]


def init_app(app: Flask) -> Runner:
    """Give the app its (empty) job runner; huey itself is made on first use."""
    return runner(app)


def every(
    app: Flask,
    name: str,
    fn: Callable[[datetime], Any],
    *,
    minutes: int = 1,
    retries: int | None = None,
) -> None:
    """Run `fn(now)` every `minutes` minutes (on the minute), once per period whatever the
    number of consumers. `fn` must be safe to run twice."""
    runner(app).add(Job(name, fn, every=timedelta(minutes=minutes), retries=retries))


def task(app: Flask, name: str, fn: Callable[..., Any], *, retries: int | None = None) -> None:
    """Make `fn(*args)` a task that `enqueue(name, *args)` queues."""
    runner(app).add(Job(name, fn, retries=retries))


def enqueue(
    name: str, *args: Any, delay: float | None = None, app: Flask | None = None
) -> Result | None:
    """Queue a run of the job `name` (a periodic one too: it runs at once)."""
    return runner(app).enqueue(name, *args, delay=delay)


def now(app: Flask | None = None) -> datetime:
    """The time for tasks: the app's clock (the system's unless a test set another)."""
    return runner(app).clock.now()


def set_clock(app: Flask, clock: Clock) -> None:
    runner(app).clock = clock
