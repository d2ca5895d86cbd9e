"""The publisher is hooked in every test: an event the document does not describe, or a
payload that does not match its schema, fails the test at once."""

from __future__ import annotations

import pytest

from neighbours.realtime import delivery
from neighbours.realtime import publish as publishing
from tests.support.events import problems


def test_an_undescribed_event_fails_the_test(app) -> None:
    with pytest.raises(pytest.fail.Exception, match="'post:liked' is not in the catalog"):
        publishing.publish("post:liked", {"id": 1}, "neighbourhood:1")


def test_a_payload_with_a_wrong_field_type_fails_the_test(app) -> None:
    with pytest.raises(pytest.fail.Exception, match="id: 'seven' is not of type 'integer'"):
        publishing.publish("post:removed", {"id": "seven"}, "neighbourhood:1")


def test_a_direct_emit_is_checked_too(app) -> None:
    with pytest.raises(pytest.fail.Exception, match="badges:updated"):
        delivery.emit("badges:updated", {"unread_notifications": "2"}, "user:1")


def test_a_room_the_event_does_not_go_to_fails_the_test(app) -> None:
    with pytest.raises(pytest.fail.Exception, match="sent to a 'user' room"):
        publishing.publish("post:removed", {"id": 7}, "user:1")


def test_a_described_event_passes(app) -> None:
    assert problems("post:removed", {"id": 7, "neighbourhood_id": 1}, "neighbourhood:1") == []
    assert (
        problems("badges:updated", {"unread_notifications": 2, "unread_messages": 0}, "user:3")
        == []
    )
    assert problems("session:ended", {"reason": "revoked"}, "a-socket-id") == []
    assert problems("session:ended", {"reason": "bored"}, "a-socket-id") != []
    assert problems("meal:watch", {"meal_id": 1}, "a-socket-id") != []  # clients send it
