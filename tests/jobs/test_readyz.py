"""/readyz reports the consumers' heartbeat: ok, stale or none; a 503 only when asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from neighbours.jobs import heartbeat
from tests.jobs.conftest import eventually

pytestmark = pytest.mark.commits


def _readyz(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def test_no_consumer_ever_is_reported_and_the_process_stays_ready(job_app):
    status, body = _readyz(job_app)
    assert status == 200
    assert body["status"] == "ready"
    assert body["jobs"] == {
        "status": "none",
        "consumers": 0,
        "last_heartbeat_at": None,
        "seconds_since": None,
    }


def test_a_running_consumer_beats_and_a_stopped_one_goes_stale(job_app, consumers):
    consumer = consumers()
    status, body = _readyz(job_app)
    assert status == 200
    assert body["jobs"]["status"] == "ok"
    assert body["jobs"]["consumers"] == 1

    # Its heart beats on (every JOBS_HEARTBEAT_SECONDS, with the app clock's time).
    job_app.clock.move(timedelta(minutes=1))
    eventually(lambda: _readyz(job_app)[1]["jobs"]["seconds_since"] == 0, what="a new beat")

    consumer.stop()
    job_app.clock.move(timedelta(seconds=job_app.config["JOBS_STALE_SECONDS"] + 1))
    status, body = _readyz(job_app)
    assert body["jobs"]["status"] == "stale"
    assert body["jobs"]["consumers"] == 0
    assert body["jobs"]["seconds_since"] > job_app.config["JOBS_STALE_SECONDS"]
    assert status == 200, "a dead worker does not take the web processes out of rotation"
    assert body["status"] == "ready"

    job_app.config["READYZ_REQUIRES_JOBS"] = True
    status, body = _readyz(job_app)
    assert status == 503
    assert body["status"] == "unavailable"

    consumers()  # a consumer comes back: ready again
    status, body = _readyz(job_app)
    assert (status, body["jobs"]["status"]) == (200, "ok")


def test_a_consumer_silent_too_long_is_stale_even_if_it_never_said_goodbye(job_app, consumers):
    consumer = consumers()
    consumer._stop.set()  # the heart stops, the row says nothing of it (a killed process)
    consumer._heart.join(5)
    job_app.clock.move(timedelta(seconds=job_app.config["JOBS_STALE_SECONDS"] + 5))
    with job_app.app_context():
        assert heartbeat.status(job_app)["status"] == "stale"


def test_old_consumers_are_forgotten_by_the_housekeeping(job_app, consumers):
    consumers().stop()
    with job_app.app_context():
        now = job_app.clock.now()
        assert heartbeat.prune(now) == 0
        assert heartbeat.prune(now + timedelta(days=2)) == 1
        assert heartbeat.status(job_app)["status"] == "none"
