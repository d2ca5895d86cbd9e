"""`/api/asyncapi.json`: a valid AsyncAPI 3.0.0 document of every live event, built from the
same marshmallow schemas as `/api/openapi.json`, the same in every process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator

from neighbours.notifications.types import NotificationType
from neighbours.realtime import catalog
from neighbours.realtime.asyncapi import _json_schema
from tests.support.documents import served_under_seed

META_SCHEMA = json.loads((Path(__file__).parent / "asyncapi-3.0.0.json").read_text())


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_valid_asyncapi_3(client) -> None:
    r = client.get("/api/asyncapi.json")

    assert r.status_code == 200
    document = r.get_json()
    assert document["asyncapi"] == "3.0.0"
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft7Validator(META_SCHEMA).iter_errors(document)
    ]
    assert errors == []
    for ref in _refs(document):
        assert _resolve(document, ref) is not None, ref


def test_the_meta_schema_refuses_a_broken_document(client) -> None:
    document = client.get("/api/asyncapi.json").get_json()
    document["operations"]["post_created"]["action"] = "emit"

    assert not Draft7Validator(META_SCHEMA).is_valid(document)


def test_every_catalogued_event_is_a_message_on_its_rooms(app, client) -> None:
    document = client.get("/api/asyncapi.json").get_json()
    names = {message["name"] for message in document["components"]["messages"].values()}
    events = catalog.events(app)

    for name in (
        "post:created", "post:updated", "post:removed", "message:created",
        "notification:created", "signup:updated", "meal:availability", "moderation:item",
        "meal:watch", "meal:unwatch", "badges:updated", "session:ended", "post:reactions",
        "comment:created", "comment:updated", "comment:removed", "conversation:joined",
    ):  # fmt: skip
        assert name in events and name in names, name
    for name, event in events.items():
        key = name.replace(":", "_")
        message = document["components"]["messages"][key]
        assert message["title"] and message["summary"] and "payload" in message
        for kind in event.rooms:
            assert key in document["channels"][kind]["messages"], (name, kind)
        operation = document["operations"][key]
        assert operation["action"] == event.action
        if event.ack is not None:
            assert len(operation["reply"]["messages"]) == 2  # the ack, or an error ack
    assert document["channels"]["user"]["address"] == "user:{userId}"
    assert set(document["channels"]["meal"]["parameters"]) == {"mealId"}


def test_payloads_are_the_openapi_components(client) -> None:
    """A component in both documents is one schema (OpenAPI 3.0's `nullable` written as JSON
    Schema's `null` type): a comment in `comment:created` is the comment of the REST lists,
    and a post in `post:created` the post of `GET /posts/{id}` without the reader's own
    `my_reactions`."""
    asyncapi = client.get("/api/asyncapi.json").get_json()["components"]["schemas"]
    openapi = client.get("/api/openapi.json").get_json()["components"]["schemas"]

    shared = sorted(set(asyncapi) & set(openapi))
    assert {
        "Comment", "Conversation", "Message", "Notification", "CommentOnPostPayload", "Person"
    } <= set(shared)  # fmt: skip
    for name in shared:
        assert asyncapi[name] == _json_schema(openapi[name]), name
    post = _json_schema(openapi["Post"])
    del post["properties"]["my_reactions"]
    assert asyncapi["LivePost"] == post


def test_notification_created_is_a_union_on_type(client) -> None:
    document = client.get("/api/asyncapi.json").get_json()
    payload = document["components"]["messages"]["notification_created"]["payload"]
    own, event_id = payload["allOf"]  # a logged event: its own payload and its `event_id`
    assert _resolve(document, event_id["$ref"])["required"] == ["event_id"]
    union = _resolve(document, own["$ref"])

    assert union["discriminator"] == "type"
    types = set()
    for variant in union["oneOf"]:
        schema = _resolve(document, variant["$ref"])
        [type_] = schema["properties"]["type"]["enum"]
        types.add(type_)
        assert {"type", "payload", "text"} <= set(schema["required"])
    assert types == {t.value for t in NotificationType}


def test_session_ended_and_connect_error_say_why(client) -> None:
    document = client.get("/api/asyncapi.json").get_json()
    ended = document["components"]["schemas"]["SessionEnded"]
    refusal = _resolve(document, document["x-connect-error"]["$ref"])

    assert ended["properties"]["reason"]["enum"] == list(catalog.SESSION_END_REASONS)
    assert {"unauthorized", "expired", "too_many_sockets"} <= set(
        refusal["properties"]["reason"]["enum"]
    )
    assert refusal["required"] == ["data", "message", "reason"] or set(refusal["required"]) == {
        "data",
        "message",
        "reason",
    }
    assert _resolve(document, document["x-connect-auth"]["$ref"])["required"] == ["token"]


def test_the_document_does_not_depend_on_the_hash_seed() -> None:
    first, second = (
        served_under_seed("/api/asyncapi.json", "1"),
        served_under_seed("/api/asyncapi.json", "2"),
    )
    assert len(first) > 5_000
    assert first == second
