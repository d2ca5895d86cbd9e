"""GET /notifications and POST /notifications/read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from neighbours.notifications.models import Notification
from neighbours.notifications.services import notify
from tests.support.errors import assert_error

URL = "/api/v1/notifications"


def _notify(db, user_id, n=1, type_="membership_approved"):
    made = [
        notify(user_id, type_, {"neighbourhood_id": i, "neighbourhood_name": f"Q{i}"})
        for i in range(n)
    ]
    db.session.commit()
    return [m.id for m in made]


def _walk(client, headers, query=""):
    ids, cursor, pages = [], None, 0
    while True:
        url = f"{URL}?limit=4{query}" + (f"&after={cursor}" if cursor else "")
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            return ids, pages


def test_list_shows_my_notifications_newest_first(auth, client, db):
    me = auth.user()
    ids = _notify(db, me.id, 3)

    r = client.get(URL, headers=me.headers)

    assert r.status_code == 200
    body = r.get_json()
    assert [n["id"] for n in body["items"]] == list(reversed(ids))
    assert body["next_cursor"] is None
    first = body["items"][0]
    assert set(first) == {"id", "type", "payload", "text", "created_at", "read_at"}
    assert first["type"] == "membership_approved"
    assert first["payload"] == {"neighbourhood_id": 2, "neighbourhood_name": "Q2"}
    assert first["text"] == "Your request to join Q2 was approved."
    assert first["created_at"].endswith("Z")
    assert first["read_at"] is None


def test_list_walks_every_notification_once_by_cursor(auth, client, db):
    me = auth.user()
    ids = _notify(db, me.id, 10)

    walked, pages = _walk(client, me.headers)

    assert walked == list(reversed(ids))
    assert pages == 3


def test_list_cursor_is_stable_while_new_ones_arrive(auth, client, db):
    me = auth.user()
    ids = _notify(db, me.id, 6)
    first = client.get(f"{URL}?limit=4", headers=me.headers).get_json()
    _notify(db, me.id, 2)  # newer ones land in front, not in the next page

    rest = client.get(f"{URL}?limit=4&after={first['next_cursor']}", headers=me.headers)

    seen = [n["id"] for n in first["items"] + rest.get_json()["items"]]
    assert seen == list(reversed(ids))


def test_list_unread_only(auth, client, db):
    me = auth.user()
    ids = _notify(db, me.id, 6)
    r = client.post(f"{URL}/read", json={"ids": ids[:3]}, headers=me.headers)
    assert r.status_code == 200

    walked, _ = _walk(client, me.headers, "&unread=true")
    everything, _ = _walk(client, me.headers)

    assert walked == list(reversed(ids[3:]))
    assert everything == list(reversed(ids))


def test_list_never_shows_someone_elses_notifications(auth, client, db):
    me, other = auth.user(), auth.user()
    _notify(db, other.id, 3)
    mine = _notify(db, me.id, 1)

    walked, _ = _walk(client, me.headers)

    assert walked == mine


@pytest.mark.parametrize(
    ("query", "field"), [("limit=0", "limit"), ("limit=101", "limit"), ("unread=maybe", "unread")]
)
def test_list_bad_query_is_422_naming_the_field(auth, client, query, field):
    me = auth.user()
    assert_error(client.get(f"{URL}?{query}", headers=me.headers), 422, field, "query")


def test_list_bad_cursor_is_422(auth, client):
    me = auth.user()
    assert_error(client.get(f"{URL}?after=garbage", headers=me.headers), 422, "after", "query")


def _read_at(db, ids):
    db.session.expire_all()
    rows = db.session.execute(select(Notification).where(Notification.id.in_(ids))).scalars()
    return {n.id: n.read_at for n in rows}


def test_read_marks_the_given_ids(auth, client, db):
    me = auth.user()
    ids = _notify(db, me.id, 3)

    r = client.post(f"{URL}/read", json={"ids": ids[:2]}, headers=me.headers)

    assert r.status_code == 200
    assert r.get_json() == {"updated": 2}
    state = _read_at(db, ids)
    assert state[ids[0]] is not None and state[ids[1]] is not None
    assert state[ids[2]] is None
    listed = client.get(URL, headers=me.headers).get_json()["items"]
    assert [n["read_at"] is not None for n in listed] == [False, True, True]
    assert listed[1]["read_at"].endswith("Z")


def test_read_again_changes_nothing(auth, client, db):
    me = auth.user()
    ids = _notify(db, me.id, 1)
    client.post(f"{URL}/read", json={"ids": ids}, headers=me.headers)
    first = _read_at(db, ids)[ids[0]]

    r = client.post(f"{URL}/read", json={"ids": ids}, headers=me.headers)

    assert r.get_json() == {"updated": 0}
    assert _read_at(db, ids)[ids[0]] == first


def test_read_all(auth, client, db):
    me, other = auth.user(), auth.user()
    mine = _notify(db, me.id, 3)
    theirs = _notify(db, other.id, 2)

    r = client.post(f"{URL}/read", json={"all": True}, headers=me.headers)

    assert r.get_json() == {"updated": 3}
    assert all(v is not None for v in _read_at(db, mine).values())
    assert all(v is None for v in _read_at(db, theirs).values()), "only mine"


def test_read_ignores_someone_elses_ids(auth, client, db):
    me, other = auth.user(), auth.user()
    mine = _notify(db, me.id, 1)
    theirs = _notify(db, other.id, 2)

    r = client.post(f"{URL}/read", json={"ids": mine + theirs}, headers=me.headers)

    assert r.status_code == 200
    assert r.get_json() == {"updated": 1}
    assert all(v is None for v in _read_at(db, theirs).values())


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": "1,2"},
        {"ids": ["one"]},
        {"ids": [0]},
        {"ids": [-3]},
        {"ids": None},
        {"all": False},
        {"ids": list(range(1, 502))},
    ],
)
def test_read_bad_input_is_422_naming_ids(auth, client, body):
    me = auth.user()
    assert_error(client.post(f"{URL}/read", json=body, headers=me.headers), 422, "ids")


def test_read_bad_all_is_422_naming_all(auth, client):
    me = auth.user()
    r = client.post(f"{URL}/read", json={"all": "everything"}, headers=me.headers)
    assert_error(r, 422, "all")


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Give `ids` or `all: true`."), ("fr", "Indiquez `ids` ou `all: true`.")],
)
def test_read_without_ids_nor_all_says_so_in_the_callers_language(auth, client, language, message):
    me = auth.user()
    headers = {**me.headers, "Accept-Language": language}
    r = client.post(f"{URL}/read", json={"all": False}, headers=headers)
    body = assert_error(r, 422, "ids")
    [said] = body["errors"]["json"]["ids"]
    assert said == message
    assert body["field_reasons"]["json"]["ids"] == ["required"]
    assert r.headers["Content-Language"] == language
