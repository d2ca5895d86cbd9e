"""Moderation settings (GET/PATCH) and held words."""

from __future__ import annotations

from tests.moderation.api import decided, feed_ids, log, queue, reported
from tests.support.api import PREFIX as API
from tests.support.api import v1
from tests.support.errors import assert_error

DEFAULTS = {
    "report_threshold": 3,
    "new_member_posts": 3,
    "daily_posts": 10,
    "daily_comments": 50,
    "daily_reports": 20,
    "daily_conversations": 10,
    "held_words": [],
}


def _url(quartier):
    return f"{API}/neighbourhoods/{quartier.id}/moderation/settings"


def test_settings_start_from_the_app_defaults(client, quartier):
    r = client.get(_url(quartier), headers=quartier.moderator.headers)

    assert r.status_code == 200, r.get_json()
    assert r.get_json() == DEFAULTS | {"neighbourhood_id": quartier.id}


def test_a_moderator_changes_some_settings_and_keeps_the_others(client, api, quartier):
    h = quartier.moderator.headers

    r = client.patch(
        _url(quartier), json={"daily_posts": 4, "held_words": ["viagra", "crypto"]}, headers=h
    )

    assert r.status_code == 200, r.get_json()
    expected = DEFAULTS | {
        "neighbourhood_id": quartier.id,
        "daily_posts": 4,
        "held_words": ["viagra", "crypto"],
    }
    assert r.get_json() == expected
    assert client.get(_url(quartier), headers=h).get_json() == expected
    r = client.patch(_url(quartier), json={"report_threshold": 5}, headers=h)
    assert r.get_json() == expected | {"report_threshold": 5}
    # Another neighbourhood keeps the defaults.
    r = api.get(
        f"/neighbourhoods/{quartier.other.id}/moderation/settings",
        headers=quartier.other_moderator.headers,
    )
    assert r.get_json() == DEFAULTS | {"neighbourhood_id": quartier.other.id}


def test_only_moderators_read_or_change_settings(client, api, quartier):
    for headers in (quartier.bob.headers, quartier.other_moderator.headers):
        assert_error(client.get(_url(quartier), headers=headers), 403)
        assert_error(client.patch(_url(quartier), json={"daily_posts": 1}, headers=headers), 403)
    assert_error(client.get(_url(quartier)), 401)
    assert_error(client.patch(_url(quartier), json={"daily_posts": 1}), 401)
    assert_error(
        api.get(f"/neighbourhoods/{10**6}/moderation/settings", headers=quartier.moderator.headers),
        404,
    )
    r = client.get(_url(quartier), headers=quartier.moderator.headers)
    assert r.get_json()["daily_posts"] == 10


def test_bad_values_are_422_naming_the_field(client, quartier):
    h = quartier.moderator.headers
    for body, field in [
        ({"report_threshold": 0}, "report_threshold"),
        ({"report_threshold": 51}, "report_threshold"),
        ({"report_threshold": "three"}, "report_threshold"),
        ({"report_threshold": None}, "report_threshold"),
        ({"new_member_posts": -1}, "new_member_posts"),
        ({"daily_posts": 0}, "daily_posts"),
        ({"daily_comments": 5001}, "daily_comments"),
        ({"daily_reports": 1.5}, "daily_reports"),
        ({"daily_conversations": 0}, "daily_conversations"),
        ({"held_words": "viagra"}, "held_words"),
        ({"held_words": [""]}, "held_words"),
        ({"held_words": ["x" * 61]}, "held_words"),
        ({"neighbourhood_id": 7}, "neighbourhood_id"),
        ({"colour": "red"}, "colour"),
    ]:
        assert_error(client.patch(_url(quartier), json=body, headers=h), 422, field)
    assert_error(client.patch(_url(quartier), data="nope", headers=h), 400)
    assert client.get(_url(quartier), headers=h).get_json() == DEFAULTS | {
        "neighbourhood_id": quartier.id
    }


def _post(client, actor, quartier, title, body="Hello"):
    r = client.post(
        v1(f"/neighbourhoods/{quartier.id}/posts"),
        json={"category": "general", "title": title, "body": body},
        headers=actor.headers,
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_a_held_word_holds_a_new_post_for_review(client, api, quartier):
    client.patch(
        _url(quartier), json={"held_words": ["Crypto"]}, headers=quartier.moderator.headers
    )

    held = _post(client, quartier.alice, quartier, "Easy money", "Invest in CRYPTO today!")
    fine = _post(client, quartier.alice, quartier, "Cryptography meetup", "cryptocurrency talk")

    assert held["status"] == "held" and fine["status"] == "published"
    assert feed_ids(client, quartier.bob, quartier.id) == [fine["id"]]
    assert api.get(f"/posts/{held['id']}", headers=quartier.bob.headers).status_code == 404
    # Its author still sees it; the moderators see it in the queue with the reason.
    r = api.get(f"/posts/{held['id']}", headers=quartier.alice.headers)
    assert r.status_code == 200 and r.get_json()["status"] == "held"
    [item] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (item["target_type"], item["target_id"]) == ("post", held["id"])
    assert (item["held_reason"], item["score"], item["reports"]) == ("held_word", 0, [])
    assert item["target_status"] == "held"
    assert item["content"]["body"] == "Invest in CRYPTO today!"

    decided(client, quartier.moderator, item["id"], "dismiss", reason="Legit")

    assert set(feed_ids(client, quartier.bob, quartier.id)) == {held["id"], fine["id"]}
    # Reported later, it is back in the queue as a report, no longer as held.
    reported(client, quartier.bob, "post", held["id"])
    [again] = queue(client, quartier.moderator, quartier.id)["items"]
    assert (again["id"], again["held_reason"], again["score"]) == (item["id"], None, 1)


def test_held_words_match_whole_words_in_the_title_too(client, quartier):
    client.patch(
        _url(quartier), json={"held_words": ["free money"]}, headers=quartier.moderator.headers
    )

    held = _post(client, quartier.alice, quartier, "Free Money here")
    fine = _post(client, quartier.alice, quartier, "Free moneybox to give away")

    assert (held["status"], fine["status"]) == ("held", "published")


def test_a_patch_that_changes_nothing_is_not_logged(client, quartier):
    h = quartier.moderator.headers
    assert client.patch(_url(quartier), json={}, headers=h).status_code == 200
    assert client.patch(_url(quartier), json={"daily_posts": 7}, headers=h).status_code == 200
    assert client.patch(_url(quartier), json={"daily_posts": 7}, headers=h).status_code == 200

    entries = log(client, quartier.moderator, quartier.id)

    assert [(e["action"], e["details"]) for e in entries] == [
        ("update_settings", {"changed": ["daily_posts"]})
    ]
