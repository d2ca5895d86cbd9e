"""The front-end quick start: a demo that can be reset, and a first run without alarms."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from neighbours.__main__ import DevelopmentServerNotices, quiet_development_server
from neighbours.accounts.models import User
from neighbours.cli import DEMO_PASSWORD
from neighbours.extensions import db
from neighbours.feed.models import Post
from neighbours.neighbourhoods.models import Neighbourhood
from tests.support.api import v1


def _demo_counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Neighbourhood)),
        db.session.scalar(select(func.count()).select_from(Post)),
    )


def test_seed_demo_reset_empties_and_seeds_again(app, auth):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    seeded = _demo_counts()
    stranger = auth.user("Someone who tried things")
    lea = db.session.scalar(select(User).where(User.email == "lea@demo.neighbours.test"))
    lea.display_name = "Renamed while trying the app"
    db.session.commit()

    result = runner.invoke(args=["seed-demo", "--reset"])

    assert result.exit_code == 0, result.output
    assert "Emptied" in result.output and "lea@demo.neighbours.test" in result.output
    db.session.expire_all()
    assert _demo_counts() == seeded, "the demo as first seeded, and nothing else"
    assert db.session.get(User, stranger.id) is None
    lea = db.session.scalar(select(User).where(User.email == "lea@demo.neighbours.test"))
    assert lea.display_name == "Léa"
    r = app.test_client().post(
        v1("/auth/login"), json={"email": "lea@demo.neighbours.test", "password": DEMO_PASSWORD}
    )
    assert r.status_code == 200


def test_seed_demo_reset_is_refused_in_production(make_app, auth):
    production = make_app(NEIGHBOURS_ENV="production")
    someone = auth.user()
    result = production.test_cli_runner().invoke(args=["seed-demo", "--reset"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert db.session.get(User, someone.id) is not None


def test_a_development_app_starts_and_serves_without_warnings(make_app, monkeypatch, caplog):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("NEIGHBOURS_ENV", "development")
    with caplog.at_level(logging.INFO):
        app = make_app(NEIGHBOURS_ENV="development", LIMITS_ENABLED=True)
        quiet_development_server(app)
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        r = client.post(
            v1("/auth/register"),
            json={
                "email": "first-run@example.org",
                "password": "correct horse battery staple",
                "display_name": "First run",
            },
        )
        assert r.status_code == 201, r.get_json()
        # What werkzeug says when `make run` starts it.
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.info("WARNING: This is a development server. Do not use it in production.")
        werkzeug.warning("Werkzeug appears to be used in a production deployment. Consider...")
        werkzeug.info('127.0.0.1 - - "GET /healthz HTTP/1.1" 200 -')
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [], [r.getMessage() for r in warnings]
    assert any("GET /healthz" in r.getMessage() for r in caplog.records), "requests still log"
    logging.getLogger("werkzeug").filters[:] = [
        f
        for f in logging.getLogger("werkzeug").filters
        if not isinstance(f, DevelopmentServerNotices)
    ]


def test_production_keeps_the_notices(make_app):
    werkzeug = logging.getLogger("werkzeug")
    before = list(werkzeug.filters)
    quiet_development_server(make_app(NEIGHBOURS_ENV="production"))
    assert werkzeug.filters == before
