"""The table the job runner owns: one row per consumer, its latest heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from neighbours.extensions import db


class JobConsumer(db.Model):
    """A consumer process (or thread) running tasks; `beat_at` is its latest heartbeat."""

    __tablename__ = "job_consumers"

    # host:pid:random, made when the consumer starts.
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(80))
    pid: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
    stopped_at: Mapped[datetime | None]
