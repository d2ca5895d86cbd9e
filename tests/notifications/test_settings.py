"""GET/PATCH /me/notification-settings: one's own switches, changed one at a time."""

from __future__ import annotations

import pytest

from tests.meals.test_concurrency import race
from tests.support.errors import assert_error

DEFAULTS = {
    "reminders": {"diner": True, "kitchen": True, "waitlist": True},
    "morning_brief": True,
    "free_seats_digest": False,
}


def test_without_a_token_it_is_401(api):
    assert_error(api.get("/me/notification-settings"), 401)
    assert_error(api.patch("/me/notification-settings", json={"morning_brief": False}), 401)


def test_everyone_starts_with_the_defaults(api, auth):
    ana = auth.user()
    response = api.get("/me/notification-settings", as_=ana)
    assert response.status_code == 200
    assert response.get_json() == DEFAULTS


def test_a_patch_changes_what_it_names_and_nothing_else(api, auth):
    ana, bob = auth.user(), auth.user()
    response = api.patch(
        "/me/notification-settings", json={"reminders": {"waitlist": False}}, as_=ana
    )
    assert response.status_code == 200
    expected = {**DEFAULTS, "reminders": {"diner": True, "kitchen": True, "waitlist": False}}
    assert response.get_json() == expected
    response = api.patch("/me/notification-settings", json={"free_seats_digest": True}, as_=ana)
    assert response.get_json() == {**expected, "free_seats_digest": True}
    assert api.get("/me/notification-settings", as_=ana).get_json() == {
        **expected,
        "free_seats_digest": True,
    }
    assert api.get("/me/notification-settings", as_=bob).get_json() == DEFAULTS, "mine only"
    assert api.patch("/me/notification-settings", json={}, as_=ana).status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"morning_brief": "yes"}, "morning_brief", "invalid"),
        ({"morning_brief": 1}, "morning_brief", "invalid"),
        ({"free_seats_digest": None}, "free_seats_digest", "null"),
        ({"reminders": {"diner": "false"}}, "reminders", "invalid"),
        ({"reminders": {"lunch": False}}, "reminders", "unknown_field"),
        ({"reminders": True}, "reminders", "invalid"),
        ({"sms": True}, "sms", "unknown_field"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, auth, body, field, reason):
    ana = auth.user()
    response = api.patch("/me/notification-settings", json=body, as_=ana)
    assert_error(response, 422)
    data = response.get_json()
    assert field in data["errors"]["json"], data
    assert reason in str(data["field_reasons"]["json"][field]), data
    assert api.get("/me/notification-settings", as_=ana).get_json() == DEFAULTS


def test_a_body_that_is_not_json_is_400(api, auth):
    ana = auth.user()
    response = api.patch(
        "/me/notification-settings",
        data="morning_brief=false",
        as_=ana,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 400)


def test_a_patch_without_a_body_is_400(api, auth):
    assert_error(api.patch("/me/notification-settings", as_=auth.user()), 400)


def test_the_export_carries_my_settings(api, auth):
    ana = auth.user()
    api.patch("/me/notification-settings", json={"free_seats_digest": True}, as_=ana)
    exported = api.get("/me/export", as_=ana).get_json()
    assert exported["notification_settings"] == {**DEFAULTS, "free_seats_digest": True}


@pytest.mark.postgres
@pytest.mark.commits
def test_two_first_patches_at_once_both_count(make_app, auth):
    """Found by the outside probe: both made the row, one failed with a 409 and its switch was
    lost."""

    racing = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 0})
    for _ in range(5):
        ana = auth.user()
        calls = [
            lambda c, body=body, headers=ana.headers: c.patch(
                "/api/v1/me/notification-settings", json=body, headers=headers
            )
            for body in ({"reminders": {"diner": False}}, {"morning_brief": False})
        ]
        assert [r.status_code for r in race(racing, calls)] == [200, 200]
        with racing.test_client() as client:
            got = client.get("/api/v1/me/notification-settings", headers=ana.headers).get_json()
        assert got["reminders"]["diner"] is False and got["morning_brief"] is False
