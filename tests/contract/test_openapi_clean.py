"""`/api/openapi.json` types every object: no `additionalProperties` left untyped, no object
without properties, and no page-number pagination schema (lists page with cursors)."""

from __future__ import annotations

from typing import Any

from neighbours.notifications.types import NotificationType


def _untyped(node: Any, path: str = "#") -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        extra = node.get("additionalProperties")
        if "additionalProperties" in node and (extra is True or extra == {}):
            found.append(f"{path}: untyped additionalProperties")
        bare = node.get("type") == "object" and not {"properties", "additionalProperties"} & set(
            node
        )
        # {type: object, nullable: true} beside a $ref is apispec's way to say "or null".
        if bare and node != {"type": "object", "nullable": True}:
            found.append(f"{path}: an object with no properties")
        for key, value in node.items():
            found += _untyped(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _untyped(value, f"{path}/{index}")
    return found


def test_every_object_is_typed(client) -> None:
    document = client.get("/api/openapi.json").get_json()

    assert _untyped(document) == []


def test_the_walk_finds_an_untyped_object() -> None:
    assert _untyped({"a": {"type": "object", "additionalProperties": {}}}) != []
    assert _untyped({"a": {"type": "object"}}) != []


def test_no_page_number_pagination_schema(client) -> None:
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]

    assert "PaginationMetadata" not in schemas


def test_notifications_are_a_discriminated_union(client) -> None:
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]

    items = schemas["NotificationPage"]["properties"]["items"]["items"]
    assert items == {"$ref": "#/components/schemas/Notification"}
    union = schemas["Notification"]
    assert union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == {t.value for t in NotificationType}
    assert len(union["oneOf"]) == len(NotificationType)
    comment = schemas["CommentOnPostPayload"]
    assert comment["properties"]["actor"]["allOf"] == [{"$ref": "#/components/schemas/Person"}]
