"""`flask worker` (a consumer in the foreground) and `flask jobs list|run|status`."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from neighbours.jobs import heartbeat
from neighbours.jobs.consumer import JobRunner
from neighbours.jobs.runner import runner


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", type=int, default=None, help="Worker threads (JOBS_WORKERS).")
    @click.option(
        "--no-periodic",
        is_flag=True,
        help="Run queued tasks only; leave the periodic schedule to other consumers.",
    )
    def worker(workers: int | None, no_periodic: bool) -> None:
        """Run a job consumer until SIGINT or SIGTERM (as many processes as wanted)."""
        consumer = JobRunner(app, workers=workers, periodic=not no_periodic)
        storage = "Redis" if app.config.get("REDIS_URL") else "SQLite"
        click.echo(f"job consumer {consumer.id}: {consumer.workers} workers, {storage} queue")
        consumer.run()

    jobs = AppGroup("jobs", help="The job runner's jobs.")

    @jobs.command("list")
    def list_jobs() -> None:
        """The registered jobs and how often the periodic ones run."""
        for job in runner(app).jobs.values():
            every = f"every {int(job.every.total_seconds() // 60)} min" if job.every else "task"
            click.echo(f"{job.name:<32} {every}")

    @jobs.command("run")
    @click.argument("name")
    def run_job(name: str) -> None:
        """Run a periodic job once, here and now (not through the queue)."""
        job = runner(app).jobs.get(name)
        if job is None or job.every is None:
            raise click.ClickException(f"no periodic job named {name}")
        click.echo(f"{name}: {runner(app).execute(job, (), None)!r}")

    @jobs.command("status")
    def status() -> None:
        """The consumers' heartbeat, as /readyz reports it; exits 1 unless a consumer is
        alive (a probe for the worker's container)."""
        report = heartbeat.status(app)
        click.echo(json.dumps(report))
        if report["status"] != "ok":
            raise SystemExit(1)

    app.cli.add_command(jobs)
