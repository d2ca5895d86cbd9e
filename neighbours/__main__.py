"""`python -m neighbours --port 5000`: the development server, with Socket.IO in-process and,
unless `JOBS_IN_PROCESS=false`, a job consumer in threads of the same process (so `make run`
sends reminders with nothing else started)."""

from __future__ import annotations

import argparse
import logging
import os

from flask import Flask

from neighbours import create_app
from neighbours.extensions import socketio
from neighbours.jobs.consumer import JobRunner

# What werkzeug says about itself on start: true, and the reason production runs gunicorn
# (see the README), but only alarming on the development machine `make run` is for.
DEVELOPMENT_SERVER_NOTICES = (
    "This is a development server",
    "Werkzeug appears to be used in a production deployment",
)


class DevelopmentServerNotices(logging.Filter):
    """Drops werkzeug's notices that it is a development server (its request log stays)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(notice in message for notice in DEVELOPMENT_SERVER_NOTICES)


def quiet_development_server(app: Flask) -> None:
    """In development, a first `make run` prints no warning meant for production; anywhere
    else werkzeug's notices stay."""
    if app.config["NEIGHBOURS_ENV"] != "development":
        return
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevelopmentServerNotices) for f in werkzeug.filters):
        werkzeug.addFilter(DevelopmentServerNotices())


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the neighbours development server.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    args = parser.parse_args()

    app = create_app()
    quiet_development_server(app)
    if app.config["JOBS_IN_PROCESS"]:
        consumer = JobRunner(app).start()
        print(f"neighbours: job consumer {consumer.id} running in this process")
    print(f"neighbours: serving on http://{args.host}:{args.port} (API docs: /api/docs)")
    socketio.run(app, host=args.host, port=args.port, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
