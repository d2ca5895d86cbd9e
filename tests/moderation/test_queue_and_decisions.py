"""The review queue and decisions: who sees and decides, and what each decision does."""

from __future__ import annotations

from typing import Any

from neighbours.extensions import db
from neighbours.moderation.models import ModerationItem, Suspension
from tests.feed.api import create_comment, create_post
from tests.moderation.api import (
    decide,
    decided,
    feed_ids,
    notifications,
    queue,
    queue_item,
    reported,
)
from tests.support.api import PREFIX as API
from tests.support.errors import assert_error


def _queued_post(client: Any, quartier: Any, **fields: Any) -> tuple[dict, int]:
    post = create_post(client, quartier.alice, quartier.id, **fields)
    return post, reported(client, quartier.bob, "post", post["id"])["item_id"]


def _hidden_post(client: Any, quartier: Any, **fields: Any) -> tuple[dict, int]:
    post = create_post(client, quartier.alice, quartier.id, **fields)
    for reporter in quartier.reporters:
        item_id = reported(client, reporter, "post", post["id"])["item_id"]
    return post, item_id


def test_the_queue_is_oldest_first_and_pages_with_cursors(client, api, quartier):
    post_ids = [create_post(client, quartier.alice, quartier.id)["id"] for _ in range(5)]
    for post_id in reversed(post_ids):
        reported(client, quartier.bob, "post", post_id)

    first = queue(client, quartier.moderator, quartier.id, "?limit=2")
    second = queue(
        client, quartier.moderator, quartier.id, f"?limit=2&after={first['next_cursor']}"
    )
    third = queue(
        client, quartier.moderator, quartier.id, f"?limit=2&after={second['next_cursor']}"
    )

    pages = [first, second, third]
    # Oldest report first: the last post was reported first.
    walked = [i["target_id"] for page in pages for i in page["items"]]
    assert walked == list(reversed(post_ids))
    assert third["next_cursor"] is None
    assert_error(
        api.get(
            f"/neighbourhoods/{quartier.id}/moderation/queue?after=garbage",
            headers=quartier.moderator.headers,
        ),
        422,
        "after",
        location="query",
    )


def test_the_status_filter_separates_pending_from_resolved(client, api, quartier):
    _, kept = _queued_post(client, quartier)
    _, done = _queued_post(client, quartier)
    decided(client, quartier.moderator, done, "dismiss")

    pending = queue(client, quartier.moderator, quartier.id)["items"]
    also_pending = queue(client, quartier.moderator, quartier.id, "?status=pending")["items"]
    resolved = queue(client, quartier.moderator, quartier.id, "?status=resolved")["items"]

    assert [i["id"] for i in pending] == [i["id"] for i in also_pending] == [kept]
    [item] = resolved
    assert (item["id"], item["status"], item["decision"]) == (done, "resolved", "dismiss")
    assert item["decision_reason"] == "Decided" and item["decided_at"].endswith("Z")
    assert item["reporter_count"] == 0 and [r["open"] for r in item["reports"]] == [False]
    assert_error(
        api.get(
            f"/neighbourhoods/{quartier.id}/moderation/queue?status=open",
            headers=quartier.moderator.headers,
        ),
        422,
        "status",
        location="query",
    )


def test_only_moderators_see_the_queue(client, api, quartier):
    _queued_post(client, quartier)

    assert_error(
        api.get(f"/neighbourhoods/{quartier.id}/moderation/queue", headers=quartier.bob.headers),
        403,
    )
    assert_error(
        api.get(
            f"/neighbourhoods/{quartier.id}/moderation/queue",
            headers=quartier.other_moderator.headers,
        ),
        403,
    )
    assert_error(api.get(f"/neighbourhoods/{quartier.id}/moderation/queue"), 401)
    assert_error(
        api.get(f"/neighbourhoods/{10**6}/moderation/queue", headers=quartier.moderator.headers),
        404,
    )
    # Another neighbourhood's moderator sees their own, empty queue.
    assert queue(client, quartier.other_moderator, quartier.other.id)["items"] == []


def test_deciding_needs_the_right_moderator(client, api, quartier, auth):
    _, item_id = _queued_post(client, quartier)

    assert_error(decide(client, quartier.bob, item_id, "remove"), 403)
    assert_error(decide(client, quartier.other_moderator, item_id, "remove"), 404)
    assert_error(decide(client, quartier.outsider, item_id, "remove"), 404)
    assert_error(decide(client, quartier.moderator, 10**6, "remove"), 404)
    r = api.post(f"/moderation/items/{item_id}/decide", json={"action": "remove", "reason": "x"})
    assert_error(r, 401)
    assert db.session.get(ModerationItem, item_id).status.value == "pending"

    # A host is not a moderator either.
    host = auth.member(quartier.neighbourhood, role="host")
    assert_error(decide(client, host, item_id, "remove"), 403)


def test_a_site_admin_can_decide_anywhere(client, api, quartier, auth):
    admin = auth.user("Admin", is_admin=True)
    post, item_id = _queued_post(client, quartier)

    body = decided(client, admin, item_id, "remove", reason="Spam")

    assert (body["status"], body["decision"]) == ("resolved", "remove")
    assert queue(client, admin, quartier.id, "?status=resolved")["items"][0]["id"] == item_id
    assert (
        api.get(f"/posts/{post['id']}", headers=quartier.moderator.headers).get_json()["status"]
        == "removed"
    )


def test_decide_validates_its_input(client, quartier):
    _, item_id = _queued_post(client, quartier)
    user_item = reported(client, quartier.bob, "user", quartier.alice.id)["item_id"]
    url = f"{API}/moderation/items/{item_id}/decide"
    headers = quartier.moderator.headers

    assert_error(decide(client, quartier.moderator, item_id, "suspend"), 422, "suspend_days")
    assert_error(decide(client, quartier.moderator, user_item, "hide"), 422, "action")
    assert_error(decide(client, quartier.moderator, user_item, "remove"), 422, "action")
    for body, field in [
        ({"action": "ban", "reason": "x"}, "action"),
        ({"reason": "x"}, "action"),
        ({"action": "dismiss"}, "reason"),
        ({"action": "dismiss", "reason": ""}, "reason"),
        ({"action": "suspend", "reason": "x", "suspend_days": 0}, "suspend_days"),
        ({"action": "suspend", "reason": "x", "suspend_days": 366}, "suspend_days"),
        ({"action": "suspend", "reason": "x", "suspend_days": "week"}, "suspend_days"),
        ({"action": "suspend", "reason": "x", "suspend_days": 1.5}, "suspend_days"),
    ]:
        assert_error(client.post(url, json=body, headers=headers), 422, field)
    assert_error(client.post(url, data="nope", headers=headers), 400)
    assert db.session.get(ModerationItem, item_id).status.value == "pending"
    assert db.session.query(Suspension).count() == 0


def test_the_queue_shows_the_content_as_posted_after_an_edit_or_a_delete(client, api, quartier):
    post, item_id = _queued_post(client, quartier, title="Cheap watches", body="Call 0600")

    r = api.patch(
        f"/posts/{post['id']}",
        json={"title": "Nothing to see", "body": "Innocent"},
        headers=quartier.alice.headers,
    )
    assert r.status_code == 200
    item = queue_item(client, quartier.moderator, quartier.id, item_id)
    assert (item["content"]["title"], item["content"]["body"]) == ("Cheap watches", "Call 0600")
    assert item["target_status"] == "published"

    assert api.delete(f"/posts/{post['id']}", headers=quartier.alice.headers).status_code == 204
    item = queue_item(client, quartier.moderator, quartier.id, item_id)
    assert (item["content"]["title"], item["content"]["body"]) == ("Cheap watches", "Call 0600")
    assert item["target_status"] == "deleted"


def test_dismiss_restores_a_hidden_post_to_the_feed(client, api, quartier):
    post, item_id = _hidden_post(client, quartier)
    assert post["id"] not in feed_ids(client, quartier.bob, quartier.id)

    body = decided(client, quartier.moderator, item_id, "dismiss", reason="Not spam")

    assert (body["decision"], body["status"]) == ("dismiss", "resolved")
    assert post["id"] in feed_ids(client, quartier.bob, quartier.id)
    r = api.get(f"/posts/{post['id']}", headers=quartier.bob.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "published"
    # No one is told off for a dismissed report.
    assert notifications(client, quartier.alice, "moderation_decision") == []


def test_hide_and_remove_take_a_post_out_of_the_feed(client, api, quartier):
    hidden, hide_item = _queued_post(client, quartier)
    removed, remove_item = _queued_post(client, quartier)

    decided(client, quartier.moderator, hide_item, "hide")
    decided(client, quartier.moderator, remove_item, "remove")

    assert feed_ids(client, quartier.bob, quartier.id) == []
    statuses = {
        p["id"]: p["status"]
        for p in api.get(
            f"/neighbourhoods/{quartier.id}/posts", headers=quartier.moderator.headers
        ).get_json()["items"]
    }
    assert statuses == {hidden["id"]: "hidden", removed["id"]: "removed"}
    # A removed post can't be put back by dismissing a later decision.
    decided(client, quartier.moderator, remove_item, "dismiss")
    assert feed_ids(client, quartier.bob, quartier.id) == []


def test_remove_a_comment(client, api, quartier):
    post = create_post(client, quartier.bob, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"], body="Rude")
    item_id = reported(client, quartier.carol, "comment", comment["id"])["item_id"]

    decided(client, quartier.moderator, item_id, "remove")

    r = api.get(f"/posts/{post['id']}/comments", headers=quartier.dave.headers)
    assert r.get_json()["items"] == []
    assert queue_item(client, quartier.moderator, quartier.id, item_id)["target_status"] == (
        "removed"
    )


def test_warn_notifies_the_author(client, quartier):
    post, item_id = _queued_post(client, quartier)

    decided(client, quartier.moderator, item_id, "warn", reason="Please keep it friendly")

    [note] = notifications(client, quartier.alice, "moderation_decision")
    assert note["payload"] == {
        "action": "warn",
        "reason": "Please keep it friendly",
        "target_type": "post",
        "target_id": post["id"],
        "neighbourhood_id": quartier.id,
        "neighbourhood_name": "Croix-Rousse",
    }
    # The warned post stays up; reporters are not notified.
    assert post["id"] in feed_ids(client, quartier.bob, quartier.id)
    assert notifications(client, quartier.bob, "moderation_decision") == []


def test_decisions_follow_one_another_on_one_item(client, quartier):
    post, item_id = _hidden_post(client, quartier)

    decided(client, quartier.moderator, item_id, "remove", reason="Spam")
    body = decided(client, quartier.moderator, item_id, "suspend", reason="Spammer", suspend_days=7)

    assert (body["decision"], body["decision_reason"]) == ("suspend", "Spammer")
    assert queue_item(client, quartier.moderator, quartier.id, item_id)["target_status"] == (
        "removed"
    )
    assert post["id"] not in feed_ids(client, quartier.bob, quartier.id)
    [suspension] = db.session.query(Suspension).all()
    assert (suspension.user_id, suspension.neighbourhood_id) == (quartier.alice.id, quartier.id)
    days = (suspension.ends_at - suspension.created_at).total_seconds() / 86400
    assert round(days, 3) == 7
    notes = notifications(client, quartier.alice, "moderation_decision")
    assert sorted(n["payload"]["action"] for n in notes) == ["remove", "suspend"]
    [suspended] = [n for n in notes if n["payload"]["action"] == "suspend"]
    assert suspended["payload"]["suspended_until"].endswith("Z")


def test_a_user_report_can_end_in_a_suspension_but_not_a_removal(client, quartier):
    item_id = reported(client, quartier.bob, "user", quartier.alice.id)["item_id"]

    decided(client, quartier.moderator, item_id, "suspend", suspend_days=1)

    assert db.session.query(Suspension).filter_by(user_id=quartier.alice.id).count() == 1


def test_warn_or_suspend_without_an_author_is_422(client, quartier, kitchen):
    meal = kitchen.meal(kitchen.canteen(quartier.neighbourhood))  # no recorded creator
    item_id = reported(client, quartier.bob, "meal", meal.id)["item_id"]

    assert_error(decide(client, quartier.moderator, item_id, "warn"), 422, "action")
    assert_error(decide(client, quartier.moderator, item_id, "hide"), 422, "action")
    decided(client, quartier.moderator, item_id, "dismiss")


def test_the_queue_costs_the_same_number_of_queries_for_5_or_30_items(
    client, quartier, count_queries, db, auth
):
    def fill(n: int) -> None:
        for i in range(n):
            post = create_post(client, quartier.alice, quartier.id, title=f"Post {i}")
            reported(client, quartier.bob, "post", post["id"])
            reported(client, quartier.carol, "post", post["id"], reason="other")
            comment = create_comment(client, quartier.alice, post["id"])
            reported(client, quartier.dave, "comment", comment["id"])

    def cost() -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            body = queue(client, quartier.moderator, quartier.id, "?limit=100")
        return len(statements), len(body["items"])

    reported(client, quartier.bob, "user", quartier.alice.id)
    fill(2)
    small, n_small = cost()
    fill(13)
    large, n_large = cost()

    assert (n_small, n_large) == (5, 31)
    assert small == large
    # A pending report must not become a stale read: the reporters are all there.
    items = queue(client, quartier.moderator, quartier.id, "?limit=100")["items"]
    assert sum(len(i["reports"]) for i in items) == 1 + 15 * 3
