"""Settings from the environment, and the production gunicorn configuration."""

from __future__ import annotations

import logging
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings import from_env, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        (
            "postgres://u:p%40ss@h:5432/db?sslmode=require",
            "postgresql+psycopg://u:p%40ss@h:5432/db?sslmode=require",
        ),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


def test_database_url_from_the_environment_is_normalised():
    config = from_env({"DATABASE_URL": "postgres://u@h:5432/db", "SECRET_KEY": "s"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/db"


def test_without_database_url_it_is_a_sqlite_file_under_instance(make_app, app):
    assert from_env({"SECRET_KEY": "s"})["SQLALCHEMY_DATABASE_URI"] == ""
    built = make_app(SQLALCHEMY_DATABASE_URI="")
    uri = built.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///")
    assert uri.endswith(os.path.join("instance", "neighbours.db"))
    assert Path(uri.removeprefix("sqlite:///")).parent == Path(built.instance_path)


def test_secret_key_is_required_in_production():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        from_env({"NEIGHBOURS_ENV": "production"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        from_env({"NEIGHBOURS_ENV": "production", "SECRET_KEY": ""})
    config = from_env({"NEIGHBOURS_ENV": "production", "SECRET_KEY": "s3cret"})
    assert config["SECRET_KEY"] == "s3cret"


def test_secret_key_is_generated_quietly_in_development(caplog):
    """Generated for the process; said at INFO in development (a first `make run` has no
    alarming warning), a WARNING in any other environment that isn't production."""
    with caplog.at_level(logging.INFO, logger="config.settings"):
        a = from_env({})["SECRET_KEY"]
        b = from_env({"NEIGHBOURS_ENV": "development"})["SECRET_KEY"]
    assert a != b and len(a) >= 32
    said = [r for r in caplog.records if "SECRET_KEY" in r.getMessage()]
    assert said and all(r.levelno == logging.INFO for r in said)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="config.settings"):
        from_env({"NEIGHBOURS_ENV": "staging"})
    assert any(
        r.levelno == logging.WARNING and "SECRET_KEY" in r.getMessage() for r in caplog.records
    )


@pytest.mark.parametrize(
    ("value", "enabled"),
    [
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("true", True),
        ("1", True),
        ("", True),
        (None, True),
    ],
)
def test_ratelimit_enabled_switch(value, enabled):
    env = {"SECRET_KEY": "s"}
    if value is not None:
        env["RATELIMIT_ENABLED"] = value
    assert from_env(env)["LIMITS_ENABLED"] is enabled


def test_every_limit_is_configurable():
    env = {
        "SECRET_KEY": "s",
        "RATELIMIT_LOGIN_IP": "7 per minute",
        "RATELIMIT_LOGIN_ACCOUNT": "2 per minute",
        "RATELIMIT_REGISTER": "3 per day",
        "RATELIMIT_INVITES": "4 per day",
        "RATELIMIT_JOIN": "5 per hour",
    }
    config = from_env(env)
    for name, value in env.items():
        if name.startswith("RATELIMIT_"):
            assert config[name] == value


def test_other_settings_from_the_environment():
    config = from_env(
        {
            "SECRET_KEY": "s",
            "REDIS_URL": "redis://cache:6379/2",
            "TOKEN_TTL_SECONDS": "3600",
            "CORS_ORIGINS": "https://app.example, https://m.example ,",
            "LOG_LEVEL": "debug",
            "INVITE_TTL_HOURS": "48",
        }
    )
    assert config["REDIS_URL"] == "redis://cache:6379/2"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert config["TOKEN_TTL_SECONDS"] == 3600
    assert config["CORS_ORIGINS"] == ["https://app.example", "https://m.example"]
    assert config["LOG_LEVEL"] == "DEBUG"
    assert config["INVITE_TTL_HOURS"] == 48
    defaults = from_env({"SECRET_KEY": "s"})
    assert defaults["REDIS_URL"] is None
    assert defaults["RATELIMIT_STORAGE_URI"] == "memory://"
    assert defaults["CORS_ORIGINS"] == []


def test_cors_answers_only_configured_origins(make_app, app):
    client = make_app(CORS_ORIGINS=["https://app.example"]).test_client()
    r = client.get("/healthz", headers={"Origin": "https://app.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-Request-ID" in r.headers["Access-Control-Expose-Headers"]
    r = client.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers
    r = client.options(
        "/api/v1/me",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert r.status_code == 204
    assert "PATCH" in r.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in r.headers["Access-Control-Allow-Headers"]


def test_gunicorn_config_reads_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.setenv("SOCKETIO_ASYNC_MODE", "gevent")
    conf = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:8123"
    assert conf["worker_class"] == "config.gunicorn_worker.JsonErrorGeventWorker"
    assert conf["workers"] == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_runs_as_written_and_b_overrides_the_bind(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
        "PORT": str(_free_port()),  # the config's bind, which -b must override
    }
    env.pop("REDIS_URL", None)
    env.pop("GUNICORN_BIND", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-c", "config/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stdout.read().decode()) from None
                time.sleep(0.2)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
