"""GET /api/v1/events?after=ID: the replay over REST, for the caller's current rooms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from neighbours.extensions import db
from neighbours.realtime import publish
from neighbours.realtime.models import LoggedEvent
from neighbours.realtime.rooms import meal_room, moderators_room, neighbourhood_room, user_room

# These publish test-only `probe` events, which the catalog does not describe.
pytestmark = pytest.mark.undescribed_events


def _publish(name, payload, room):
    publish.publish(name, payload, room)
    db.session.commit()


def _ids():
    return list(db.session.execute(select(LoggedEvent.id).order_by(LoggedEvent.id)).scalars())


def test_a_caller_without_a_token_is_401(api):
    r = api.get("/events?after=0")
    assert r.status_code == 401


@pytest.mark.parametrize(
    "query", ["after=-1", "after=abc", "after=1.5", f"after={2**63}", "limit=0", "limit=201"]
)
def test_bad_arguments_are_422(api, auth, query):
    r = api.get(f"/events?{query}", as_=auth.user())
    assert r.status_code == 422, r.get_json()


def test_only_the_callers_current_rooms_in_id_order_a_page_at_a_time(api, auth):
    quartier = auth.neighbourhood()
    other = auth.neighbourhood()
    me = auth.member(quartier)
    _publish("probe", {"n": 1}, neighbourhood_room(quartier.id))
    _publish("probe", {"n": 2}, neighbourhood_room(other.id))  # another neighbourhood
    _publish("probe", {"n": 3}, user_room(me.id))
    _publish("probe", {"n": 4}, moderators_room(quartier.id))  # not a moderator
    _publish("probe", {"n": 5}, [user_room(quartier.moderator.id), neighbourhood_room(quartier.id)])
    _publish("probe", {"n": 6}, meal_room(1))  # meal rooms are not replayed over REST
    ids = _ids()

    first = api.get("/events?after=0&limit=2", as_=me).get_json()
    assert [i["payload"]["n"] for i in first["items"]] == [1, 3]
    assert first["items"][0] == {
        "event_id": ids[0],
        "name": "probe",
        "payload": {"n": 1, "event_id": ids[0]},
        "created_at": first["items"][0]["created_at"],
    }
    assert first["reset"] is False and first["last_event_id"] == ids[-1]
    assert first["next_after"] == ids[2]
    rest = api.get(f"/events?after={first['next_after']}&limit=2", as_=me).get_json()
    assert [i["payload"]["n"] for i in rest["items"]] == [5]
    assert rest["next_after"] is None


def test_a_forged_or_stale_after_is_a_reset(api, auth, app):
    me = auth.user()
    for n in range(3):
        _publish("probe", {"n": n}, user_room(me.id))
    newest = _ids()[-1]
    forged = api.get(f"/events?after={newest + 10}", as_=me).get_json()
    assert forged == {"items": [], "reset": True, "next_after": None, "last_event_id": newest}
    app.config["EVENT_REPLAY_MAX"] = 2
    try:
        behind = api.get("/events?after=0", as_=me).get_json()
        assert behind["reset"] is True and behind["items"] == []
    finally:
        app.config["EVENT_REPLAY_MAX"] = 1000
    caught_up = api.get(f"/events?after={newest}", as_=me).get_json()
    assert caught_up == {"items": [], "reset": False, "next_after": None, "last_event_id": newest}


def test_catching_up_over_rest_has_an_allowance(app, api, auth, monkeypatch):
    """Each call may read up to EVENT_REPLAY_MAX rows: past the allowance, 429 (the outside
    probe ran 272 unthrottled calls from 18 threads)."""
    monkeypatch.setitem(app.config, "LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "RATELIMIT_EVENTS", "3 per minute")
    me = auth.user()
    codes = [api.get("/events?after=0", as_=me).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = api.get("/events?after=0", as_=me)
    assert r.get_json()["reason"] == "rate_limited" and r.headers.get("Retry-After")


@pytest.mark.parametrize("after", ["١٢", "+5", " 5", "5 "])
def test_after_is_ascii_digits_only_as_on_a_socket(api, auth, after):
    me = auth.user()
    r = api.get("/events", query_string={"after": after}, headers=me.headers)
    assert r.status_code == 422, r.get_json()
    assert "after" in r.get_json()["errors"]["query"]
