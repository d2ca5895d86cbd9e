"""What `/readyz` says of the consumers, from their heartbeats (`job_consumers`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, or_, select

from neighbours.extensions import db
from neighbours.jobs.models import JobConsumer
from neighbours.jobs.runner import runner
from neighbours.timefmt import iso

# A consumer row stays this long after its last beat (a stopped or vanished consumer).
KEEP = timedelta(days=1)


def status(app: Flask) -> dict[str, Any]:
    """`ok`: a running consumer beat within `JOBS_STALE_SECONDS`; `stale`: consumers ran but
    none beat lately (stopped, dead, or its database writes failing); `none`: no consumer
    ever ran against this database (a deployment that runs no jobs, a fresh test)."""
    now = runner(app).clock.now()
    horizon = now - timedelta(seconds=float(app.config["JOBS_STALE_SECONDS"]))
    rows = db.session.execute(select(JobConsumer.beat_at, JobConsumer.stopped_at)).all()
    running = [beat for beat, stopped in rows if stopped is None]
    alive = [beat for beat in running if beat >= horizon]
    newest = max((beat for beat, _ in rows), default=None)
    state = "ok" if alive else ("stale" if rows else "none")
    return {
        "status": state,
        "consumers": len(alive),
        "last_heartbeat_at": iso(newest),
        "seconds_since": _seconds(now, newest),
    }


def _seconds(now: datetime, then: datetime | None) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def prune(now: datetime) -> int:
    """Forget consumers that have not beaten for a day (housekeeping)."""
    result = db.session.execute(
        delete(JobConsumer).where(
            or_(JobConsumer.beat_at < now - KEEP, JobConsumer.stopped_at < now - KEEP)
        )
    )
    db.session.commit()
    return int(result.rowcount or 0)
