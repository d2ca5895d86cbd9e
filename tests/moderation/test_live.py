"""Live: `moderation:item` reaches the neighbourhood's moderators only; hiding is `post:removed`."""

from __future__ import annotations

from tests.feed.api import create_post
from tests.moderation.api import decided, received, report, reported
from tests.support.errors import assert_error


def test_a_new_queue_item_reaches_the_moderators_and_nobody_else(client, quartier, sockets):
    moderators = sockets.connected(quartier.moderator)
    members = [sockets.connected(quartier.bob), sockets.connected(quartier.alice)]
    other_moderator = sockets.connected(quartier.other_moderator)
    post = create_post(client, quartier.alice, quartier.id)
    moderators.get_received()

    item_id = reported(client, quartier.bob, "post", post["id"], reason="harassment")["item_id"]

    assert received(moderators, "moderation:item") == [
        {
            "id": item_id,
            "neighbourhood_id": quartier.id,
            "target_type": "post",
            "target_id": post["id"],
            "status": "pending",
            "score": 2,
            "held_reason": None,
        }
    ]
    for socket in [*members, other_moderator]:
        assert received(socket, "moderation:item") == []


def test_more_reports_on_a_pending_item_are_not_sent_again(client, quartier, sockets):
    moderators = sockets.connected(quartier.moderator)
    post = create_post(client, quartier.alice, quartier.id)
    reported(client, quartier.bob, "post", post["id"])
    assert len(received(moderators, "moderation:item")) == 1

    reported(client, quartier.carol, "post", post["id"])
    assert_error(report(client, quartier.carol, "post", post["id"]), 409)

    assert received(moderators, "moderation:item") == []


def test_a_reopened_item_is_sent_again(client, quartier, sockets):
    moderators = sockets.connected(quartier.moderator)
    item_id = reported(client, quartier.bob, "user", quartier.alice.id)["item_id"]
    decided(client, quartier.moderator, item_id, "dismiss")
    moderators.get_received()

    reported(client, quartier.carol, "user", quartier.alice.id, reason="illegal")

    [event] = received(moderators, "moderation:item")
    assert (event["id"], event["status"], event["score"]) == (item_id, "pending", 3)


def test_a_member_made_moderator_starts_hearing_the_queue(client, api, quartier, sockets):
    bobs = sockets.connected(quartier.bob)
    r = api.patch(
        f"/neighbourhoods/{quartier.id}/members/{quartier.bob.id}",
        json={"role": "moderator"},
        headers=quartier.moderator.headers,
    )
    assert r.status_code == 200, r.get_json()

    reported(client, quartier.carol, "user", quartier.alice.id)

    assert [e["target_id"] for e in received(bobs, "moderation:item")] == [quartier.alice.id]


def test_hiding_at_the_threshold_is_post_removed_and_dismissing_brings_it_back(
    client, quartier, sockets, auth
):
    reader = auth.member(quartier.neighbourhood, name="Reader")
    readers = sockets.connected(reader)
    post = create_post(client, quartier.alice, quartier.id)
    readers.get_received()

    for reporter in quartier.reporters[:2]:
        reported(client, reporter, "post", post["id"])
    assert received(readers, "post:removed") == []
    item_id = reported(client, quartier.dave, "post", post["id"])["item_id"]
    assert received(readers, "post:removed") == [
        {"id": post["id"], "neighbourhood_id": quartier.id}
    ]

    decided(client, quartier.moderator, item_id, "dismiss")

    [back] = received(readers, "post:created")
    assert (back["id"], back["status"]) == (post["id"], "published")


def test_a_held_post_goes_to_the_moderators_not_the_feed(client, api, quartier, sockets):
    api.patch(
        f"/neighbourhoods/{quartier.id}/moderation/settings",
        json={"held_words": ["casino"]},
        headers=quartier.moderator.headers,
    )
    moderators = sockets.connected(quartier.moderator)
    bobs = sockets.connected(quartier.bob)

    post = create_post(client, quartier.alice, quartier.id, body="Online casino bonus")

    events = moderators.get_received()
    [item] = [e["args"][0] for e in events if e["name"] == "moderation:item"]
    assert (item["target_id"], item["held_reason"], item["score"]) == (post["id"], "held_word", 0)
    assert [e for e in events if e["name"] == "post:created"] == []
    assert received(bobs, "post:created") == []
    assert received(bobs, "moderation:item") == []
