"""POST /reports: what can be reported, by whom, and the threshold that hides at once."""

from __future__ import annotations

from typing import Any

from neighbours.extensions import db
from neighbours.moderation.models import ModerationItem, Report
from tests.feed.api import create_comment, create_post
from tests.moderation.api import decided, feed_ids, queue, report, reported
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error


def _conversation(client: Any, starter: Any, *others: Any) -> int:
    r = client.post(
        v1("/conversations"),
        json={"participant_ids": [o.id for o in others]},
        headers=starter.headers,
    )
    assert r.status_code in (200, 201), r.get_json()
    return r.get_json()["id"]


def _message(client: Any, author: Any, conversation_id: int, body: str = "Buy my stuff") -> int:
    r = client.post(
        v1(f"/conversations/{conversation_id}/messages"),
        json={"body": body},
        headers=author.headers,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_a_report_on_a_post_is_201_and_opens_one_queue_item(client, quartier):
    post = create_post(client, quartier.alice, quartier.id, title="Cheap watches", body="Buy")

    r = report(client, quartier.bob, "post", post["id"], "spam", details="Third time this week")

    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["target_type"] == "post" and body["target_id"] == post["id"]
    assert body["reason"] == "spam" and body["details"] == "Third time this week"
    assert body["open"] is True and body["created_at"].endswith("Z")
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert item["id"] == body["item_id"]
    assert (item["target_type"], item["target_id"], item["author_id"]) == (
        "post",
        post["id"],
        quartier.alice.id,
    )
    assert (item["status"], item["score"], item["reporter_count"]) == ("pending", 1, 1)
    assert item["target_status"] == "published" and item["auto_hidden"] is False
    assert item["content"]["title"] == "Cheap watches" and item["content"]["body"] == "Buy"
    assert item["content"]["author"] == {
        "id": quartier.alice.id,
        "display_name": "Alice",
        "avatar_url": None,
    }
    [entry] = item["reports"]
    assert entry["reporter"] == {"id": quartier.bob.id, "display_name": "Bob", "avatar_url": None}
    assert entry["details"] == "Third time this week"


def test_a_comment_can_be_reported(client, quartier):
    post = create_post(client, quartier.bob, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"], body="You are all idiots")

    body = reported(client, quartier.carol, "comment", comment["id"], reason="harassment")

    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert item["id"] == body["item_id"]
    assert (item["target_type"], item["target_id"], item["score"]) == (
        "comment",
        comment["id"],
        2,
    )
    assert item["content"]["body"] == "You are all idiots"
    assert item["content"]["post_id"] == post["id"]
    assert item["target_status"] == "published"


def test_only_a_participant_can_report_a_message(client, quartier):
    conversation_id = _conversation(client, quartier.alice, quartier.bob)
    message_id = _message(client, quartier.alice, conversation_id, "Send me money")

    assert_error(report(client, quartier.carol, "message", message_id), 404)
    assert_error(report(client, quartier.moderator, "message", message_id), 404)
    assert_error(report(client, quartier.bob, "message", 10**6), 404)
    body = reported(client, quartier.bob, "message", message_id, reason="illegal")

    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert item["id"] == body["item_id"]
    assert (item["target_type"], item["score"]) == ("message", 3)
    assert item["content"]["body"] == "Send me money"
    assert item["content"]["conversation_id"] == conversation_id


def test_a_user_sharing_a_neighbourhood_can_be_reported(client, quartier):
    body = reported(client, quartier.bob, "user", quartier.alice.id, reason="harassment")

    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert item["id"] == body["item_id"]
    assert (item["target_type"], item["target_id"], item["author_id"]) == (
        "user",
        quartier.alice.id,
        quartier.alice.id,
    )
    assert item["content"]["display_name"] == "Alice"
    assert item["target_status"] is None
    # Someone sharing no neighbourhood with the reporter is not visible to them.
    assert_error(report(client, quartier.bob, "user", quartier.outsider.id), 404)
    assert_error(report(client, quartier.outsider, "user", quartier.alice.id), 404)


def test_a_meal_can_be_reported(client, quartier, kitchen):
    canteen = kitchen.canteen(quartier.neighbourhood)
    meal = kitchen.meal(canteen)

    body = reported(client, quartier.bob, "meal", meal.id, reason="inappropriate")

    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert item["id"] == body["item_id"]
    assert (item["target_type"], item["target_id"]) == ("meal", meal.id)
    assert item["content"]["title"] == "Soupe et pain partagé"
    # A meal elsewhere, and a draft the reporter can't see, are 404.
    elsewhere = kitchen.meal(kitchen.canteen(quartier.other))
    draft = kitchen.meal(canteen, status="draft")
    assert_error(report(client, quartier.bob, "meal", elsewhere.id), 404)
    assert_error(report(client, quartier.bob, "meal", draft.id), 404)


def test_targets_in_another_neighbourhood_are_404(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.bob, post["id"])

    for target_type, target_id in [
        ("post", post["id"]),
        ("comment", comment["id"]),
        ("post", 10**6),
        ("comment", 10**6),
        ("meal", 10**6),
        ("user", 10**6),
    ]:
        assert_error(report(client, quartier.outsider, target_type, target_id), 404)
    assert db.session.query(Report).count() == 0
    assert db.session.query(ModerationItem).count() == 0


def test_a_second_open_report_by_the_same_person_is_409(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    reported(client, quartier.bob, "post", post["id"])

    assert_error(report(client, quartier.bob, "post", post["id"], "other"), 409)

    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["score"], item["reporter_count"], len(item["reports"])) == (1, 1, 1)


def test_reporting_yourself_or_your_own_content_is_422(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)

    assert_error(report(client, quartier.alice, "post", post["id"]), 422, "target_id")
    assert_error(report(client, quartier.alice, "user", quartier.alice.id), 422, "target_id")
    assert db.session.query(ModerationItem).count() == 0


def test_bad_input_is_422_naming_the_field(client, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    url, headers = f"{API}/reports", quartier.bob.headers
    good = {"target_type": "post", "target_id": post["id"], "reason": "spam"}

    cases = [
        (good | {"target_type": "pigeon"}, "target_type"),
        (good | {"reason": "boring"}, "reason"),
        ({k: v for k, v in good.items() if k != "target_id"}, "target_id"),
        (good | {"target_id": "abc"}, "target_id"),
        (good | {"target_id": 0}, "target_id"),
        (good | {"target_id": 1.5}, "target_id"),
        ({k: v for k, v in good.items() if k != "reason"}, "reason"),
        (good | {"details": "x" * 2001}, "details"),
    ]
    for body, field in cases:
        assert_error(client.post(url, json=body, headers=headers), 422, field)
    r = client.post(url, data="not json", headers=headers | {"Content-Type": "text/plain"})
    assert_error(r, 400)
    r = client.post(url, data="{not json", headers=headers | {"Content-Type": "application/json"})
    assert_error(r, 400)
    assert db.session.query(Report).count() == 0
    # The longest details allowed are accepted.
    assert client.post(url, json=good | {"details": "x" * 2000}, headers=headers).status_code == 201


def test_reporting_needs_a_token(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id)
    body = {"target_type": "post", "target_id": post["id"], "reason": "spam"}

    assert_error(api.post("/reports", json=body), 401)
    bad = {"Authorization": "Bearer not-a-token"}
    assert_error(api.post("/reports", json=body, headers=bad), 401)


def test_three_distinct_reporters_hide_a_post_at_once(client, api, quartier, auth):
    post = create_post(client, quartier.alice, quartier.id, title="Cheap watches")
    spammy = auth.member(quartier.neighbourhood, name="Eve")

    reported(client, quartier.bob, "post", post["id"])
    reported(client, quartier.carol, "post", post["id"], reason="other")
    assert post["id"] in feed_ids(client, spammy, quartier.id)
    reported(client, quartier.dave, "post", post["id"], reason="illegal")

    # Hidden for members (404 on the post itself), shown flagged to moderators.
    assert post["id"] not in feed_ids(client, spammy, quartier.id)
    assert api.get(f"/posts/{post['id']}", headers=spammy.headers).status_code == 404
    r = api.get(f"/neighbourhoods/{quartier.id}/posts", headers=quartier.moderator.headers)
    [flagged] = [p for p in r.get_json()["items"] if p["id"] == post["id"]]
    assert flagged["status"] == "hidden"
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["score"], item["reporter_count"]) == (1 + 1 + 3, 3)
    assert item["target_status"] == "hidden" and item["auto_hidden"] is True


def test_the_threshold_counts_distinct_people_and_is_configurable(client, api, quartier):
    r = api.patch(
        f"/neighbourhoods/{quartier.id}/moderation/settings",
        json={"report_threshold": 2},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()
    post = create_post(client, quartier.alice, quartier.id)
    comment = create_comment(client, quartier.alice, post["id"])

    reported(client, quartier.bob, "comment", comment["id"])
    assert_error(report(client, quartier.bob, "comment", comment["id"]), 409)
    r = api.get(f"/posts/{post['id']}/comments", headers=quartier.carol.headers)
    assert [c["id"] for c in r.get_json()["items"]] == [comment["id"]]

    reported(client, quartier.carol, "comment", comment["id"])

    r = api.get(f"/posts/{post['id']}/comments", headers=quartier.dave.headers)
    assert r.get_json()["items"] == []
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["target_status"], item["reporter_count"]) == ("hidden", 2)


def test_users_and_meals_are_queued_but_never_hidden_by_reports(client, api, quartier, kitchen):
    meal = kitchen.meal(kitchen.canteen(quartier.neighbourhood))
    for reporter in quartier.reporters:
        reported(client, reporter, "meal", meal.id)
        reported(client, reporter, "user", quartier.alice.id)

    items = queue(client, quartier.moderator, quartier.id)["items"]
    assert [(i["target_type"], i["reporter_count"], i["score"]) for i in items] == [
        ("meal", 3, 3),
        ("user", 3, 3),
    ]
    assert all(i["auto_hidden"] is False for i in items)
    assert api.get(f"/meals/{meal.id}", headers=quartier.bob.headers).status_code == 200


def test_a_target_reported_again_after_a_decision_reopens_its_item(client, api, quartier):
    post = create_post(client, quartier.alice, quartier.id, title="Before")
    first = reported(client, quartier.bob, "post", post["id"], reason="illegal")
    decided(client, quartier.moderator, first["item_id"], "dismiss", reason="Fine")
    assert queue(client, quartier.moderator, quartier.id)["items"] == []
    r = api.patch(f"/posts/{post['id']}", json={"title": "After"}, headers=quartier.alice.headers)
    assert r.status_code == 200

    # Bob's first report is closed by the decision, so he may report again.
    again = reported(client, quartier.bob, "post", post["id"], reason="spam")

    assert again["item_id"] == first["item_id"]
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["status"], item["score"], item["reporter_count"]) == ("pending", 1, 1)
    assert (item["decision"], item["decision_reason"], item["decided_at"]) == (None, None, None)
    assert item["content"]["title"] == "After"
    assert [(r["reason"], r["open"]) for r in item["reports"]] == [
        ("illegal", False),
        ("spam", True),
    ]
    assert queue(client, quartier.moderator, quartier.id, "?status=resolved")["items"] == []


def test_a_user_reported_in_two_neighbourhoods_is_queued_in_each(client, quartier, auth):
    auth.member(quartier.other, quartier.alice)
    here = reported(client, quartier.bob, "user", quartier.alice.id)["item_id"]
    there = reported(client, quartier.outsider, "user", quartier.alice.id)["item_id"]

    assert here != there
    [item] = queue(client, quartier.other_moderator, quartier.other.id)["items"]
    assert [r["reporter"]["id"] for r in item["reports"]] == [quartier.outsider.id]
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert [r["reporter"]["id"] for r in item["reports"]] == [quartier.bob.id]
