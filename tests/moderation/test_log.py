"""The moderation log: every moderator action, newest first, for moderators only."""

from __future__ import annotations

from neighbours.extensions import db
from neighbours.moderation.models import ModerationLogEntry
from tests.feed.api import create_comment, create_post
from tests.moderation.api import decide, decided, log, reported
from tests.support.api import PREFIX as API
from tests.support.errors import assert_error


def test_every_kind_of_moderator_action_is_logged_newest_first(client, api, quartier, auth):
    mod, h = quartier.moderator, quartier.moderator.headers
    pending = auth.member(quartier.neighbourhood, status="pending", name="Pat")
    refused = auth.member(quartier.neighbourhood, status="pending", name="Rex")
    post = create_post(client, quartier.alice, quartier.id)
    doomed = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"])
    item_id = reported(client, quartier.bob, "post", post["id"])["item_id"]
    nh = f"{API}/neighbourhoods/{quartier.id}"

    steps = [
        client.post(f"{nh}/members/{pending.id}/approve", headers=h),
        client.post(f"{nh}/members/{refused.id}/decline", headers=h),
        client.patch(f"{nh}/members/{quartier.bob.id}", json={"role": "host"}, headers=h),
        api.post(f"/posts/{post['id']}/pin", headers=h),
        api.delete(f"/posts/{post['id']}/pin", headers=h),
        api.delete(f"/posts/{doomed['id']}", headers=h),
        api.delete(f"/comments/{comment['id']}", headers=h),
        decide(client, mod, item_id, "warn", reason="Be nice"),
        client.patch(f"{nh}/moderation/settings", json={"report_threshold": 4}, headers=h),
    ]
    assert [r.status_code for r in steps] == [200, 200, 200, 200, 200, 204, 204, 200, 200]

    entries = log(client, mod, quartier.id)

    assert [(e["action"], e["target"], e["reason"]) for e in entries] == [
        ("update_settings", {"type": "neighbourhood", "id": quartier.id}, None),
        ("warn", {"type": "post", "id": post["id"]}, "Be nice"),
        ("remove_comment", {"type": "comment", "id": comment["id"]}, None),
        ("remove_post", {"type": "post", "id": doomed["id"]}, None),
        ("unpin", {"type": "post", "id": post["id"]}, None),
        ("pin", {"type": "post", "id": post["id"]}, None),
        ("change_role", {"type": "user", "id": quartier.bob.id}, None),
        ("decline_member", {"type": "user", "id": refused.id}, None),
        ("approve_member", {"type": "user", "id": pending.id}, None),
    ]
    for entry in entries:
        assert entry["actor"] == {
            "id": mod.id,
            "display_name": mod.display_name,
            "avatar_url": None,
        }
        assert entry["created_at"].endswith("Z")
    by_action = {e["action"]: e for e in entries}
    assert by_action["change_role"]["details"] == {"previous": "member", "role": "host"}
    assert by_action["warn"]["details"] == {"item_id": item_id}
    assert by_action["update_settings"]["details"] == {"changed": ["report_threshold"]}


def test_authors_deleting_their_own_content_is_not_logged(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"])
    h = quartier.alice.headers

    assert api.delete(f"/comments/{comment['id']}", headers=h).status_code == 204
    assert api.delete(f"/posts/{post['id']}", headers=h).status_code == 204

    assert log(client, quartier.moderator, quartier.id) == []


def test_a_refused_decision_writes_nothing(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    item_id = reported(client, quartier.bob, "post", post["id"])["item_id"]

    assert_error(decide(client, quartier.moderator, item_id, "suspend"), 422, "suspend_days")
    assert_error(decide(client, quartier.bob, item_id, "remove"), 403)

    assert db.session.query(ModerationLogEntry).count() == 0


def test_the_log_pages_newest_first(client, quartier):
    item_ids = []
    for _ in range(5):
        post = create_post(client, quartier.alice, quartier.id)
        item_ids.append(reported(client, quartier.bob, "post", post["id"])["item_id"])
    for item_id in item_ids:
        decided(client, quartier.moderator, item_id, "dismiss")

    url = f"{API}/neighbourhoods/{quartier.id}/moderation/log?limit=2"
    seen, cursor = [], None
    while True:
        r = client.get(
            url + (f"&after={cursor}" if cursor else ""), headers=quartier.moderator.headers
        )
        assert r.status_code == 200
        body = r.get_json()
        assert len(body["items"]) <= 2
        seen += [e["details"]["item_id"] for e in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(item_ids))


def test_only_the_neighbourhoods_moderators_read_its_log(client, api, quartier, auth):
    url = f"{API}/neighbourhoods/{quartier.id}/moderation/log"
    post = create_post(client, quartier.alice, quartier.id)
    api.post(f"/posts/{post['id']}/pin", headers=quartier.moderator.headers)

    assert_error(client.get(url, headers=quartier.bob.headers), 403)
    assert_error(client.get(url, headers=quartier.other_moderator.headers), 403)
    assert_error(client.get(url), 401)
    assert_error(
        api.get(f"/neighbourhoods/{10**6}/moderation/log", headers=quartier.moderator.headers),
        404,
    )
    # Each neighbourhood's log holds its own actions only.
    assert log(client, quartier.other_moderator, quartier.other.id) == []
    admin = auth.user("Admin", is_admin=True)
    assert [e["action"] for e in log(client, admin, quartier.id)] == ["pin"]
