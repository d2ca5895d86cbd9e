"""`GET /api/asyncapi.json`: the AsyncAPI 3.0.0 document of the Socket.IO events.

Built from the app's event catalog (`realtime.catalog`), once per app. Payload schemas are
converted from the marshmallow schemas by apispec's converter, as for `/api/openapi.json`,
so a component of the same name is the same in both; OpenAPI 3.0's `nullable` becomes JSON
Schema's `"null"` type, and a `discriminator` its property name (AsyncAPI's Schema Object).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from neighbours.realtime.catalog import (
    RECEIVE,
    ROOM_KINDS,
    SEND,
    AckErrorSchema,
    ConnectAuthSchema,
    ConnectErrorSchema,
    EventIdSchema,
    LiveEvent,
    Payload,
    events,
)
from neighbours.unions import union2properties

_DOCUMENT = "neighbours.realtime.asyncapi"

# Room kind -> (address, its parameter).
_ADDRESSES = {
    "user": ("user:{userId}", "userId"),
    "neighbourhood": ("neighbourhood:{neighbourhoodId}", "neighbourhoodId"),
    "meal": ("meal:{mealId}", "mealId"),
    "moderators": ("moderators:{neighbourhoodId}", "neighbourhoodId"),
    "socket": (None, None),
}

_DESCRIPTION = """\
The live events of neighbours, over Socket.IO (namespace `/`, path `/socket.io`).

Connect with `auth: {token, last_event_id?, watch?}` (`ConnectAuth`), a bearer token from
`POST /api/v1/auth/login`. A refused connection's `connect_error` carries
`{message, reason, data: {reason}}` (`ConnectError`, `x-connect-error`; socket.io-client shows
`err.data.reason`). Once connected, the server puts the socket in its rooms: its user's, its
neighbourhoods' (active, not suspended memberships), their moderators' for moderators, and
the meals it watches (`meal:watch`, or `auth.watch` on connect). Channels are those rooms; the
server `send`s events to them and `receive`s client events (with an ack) on the socket itself.
Events describe committed changes only. Every event the server sends to a room carries an
increasing `event_id` (`EventId`): delivery is at least once, so drop ids already handled, and
reconnect with the highest as `auth.last_event_id` to get, before any live event, everything
missed in the rooms the user is in now (or `sync:reset`: reload over REST). Pushed objects are
as any member sees them: keep reader-specific fields (`my_reactions`, `my_signup`, `is_host`,
`unread_count`) from your own copy.
"""


def _name(event_name: str) -> str:
    """A key for components and channel messages: `post:created` -> `post_created`."""
    return event_name.replace(":", "_")


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 07 (AsyncAPI's schema format)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items()}
    if out.get("additionalProperties") is False:
        # Logged events add `event_id` to their payloads (`allOf` with `EventId`): a closed
        # object would refuse it. The REST document keeps its objects closed.
        del out["additionalProperties"]
    if isinstance(out.get("discriminator"), dict):
        out["discriminator"] = out["discriminator"]["propertyName"]
    if out.pop("nullable", False):
        if out == {"type": "object"}:
            return {"type": "null"}
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


class _Converter:
    """apispec's marshmallow converter on a spec of its own, with this app's field rules."""

    def __init__(self, app: Flask) -> None:
        self.plugin = MarshmallowPlugin()
        self.spec = APISpec(
            app.config["API_TITLE"],
            app.config["API_VERSION"],
            app.config["OPENAPI_VERSION"],
            plugins=[self.plugin],
        )
        self.plugin.converter.add_attribute_function(union2properties)

    def schema(self, payload: Payload) -> dict[str, Any]:
        converter = self.plugin.converter
        if isinstance(payload, ma.fields.Field):
            return converter.field2property(payload)
        return converter.resolve_nested_schema(payload)

    def components(self) -> dict[str, Any]:
        schemas = self.spec.to_dict().get("components", {}).get("schemas", {})
        return {name: _json_schema(schemas[name]) for name in sorted(schemas)}


def _message(
    converter: _Converter, name: str, event: LiveEvent, payload: Payload, *, logged: bool = False
) -> dict:
    schema = _json_schema(converter.schema(payload))
    if logged:
        schema = {"allOf": [schema, _json_schema(converter.schema(EventIdSchema))]}
    return {
        "name": name,
        "title": event.summary,
        "summary": event.description,
        "contentType": "application/json",
        "payload": schema,
    }


def _channels(rooms: dict[str, dict[str, dict]]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for kind in sorted(rooms):
        address, parameter = _ADDRESSES[kind]
        channel: dict[str, Any] = {
            "address": address,
            "title": kind,
            "description": ROOM_KINDS[kind],
            "messages": {key: rooms[kind][key] for key in sorted(rooms[kind])},
        }
        if parameter is not None:
            channel["parameters"] = {parameter: {"description": f"a {parameter[:-2]} id"}}
        channels[kind] = channel
    return channels


def build(app: Flask) -> dict[str, Any]:
    """The AsyncAPI document of `app`'s event catalog (sorted: the same in every process)."""
    converter = _Converter(app)
    messages: dict[str, Any] = {}
    rooms: dict[str, dict[str, dict]] = {}
    operations: dict[str, Any] = {}
    for name, event in events(app).items():
        key = _name(name)
        logged = event.action == SEND and event.logged
        messages[key] = _message(converter, name, event, event.payload, logged=logged)
        for kind in event.rooms:
            rooms.setdefault(kind, {})[key] = {"$ref": f"#/components/messages/{key}"}
        operation: dict[str, Any] = {
            "action": event.action,
            "channel": {"$ref": f"#/channels/{event.rooms[0]}"},
            "title": name,
            "summary": event.summary,
            "description": event.description,
            "messages": [{"$ref": f"#/channels/{event.rooms[0]}/messages/{key}"}],
        }
        if event.action == RECEIVE and event.ack is not None:
            ack = f"{key}_ack"
            messages[ack] = _message(converter, f"{name} ack", event, event.ack)
            messages[ack]["summary"] = event.ack_description or event.description
            messages["ack_error"] = {
                "name": "ack error",
                "title": "A refused client event",
                "summary": "`{ok: false, error}`, the error in the REST error shape.",
                "contentType": "application/json",
                "payload": converter.schema(AckErrorSchema),
            }
            socket = rooms.setdefault("socket", {})
            for reply in (ack, "ack_error"):
                socket[reply] = {"$ref": f"#/components/messages/{reply}"}
            operation["reply"] = {
                "channel": {"$ref": "#/channels/socket"},
                "messages": [
                    {"$ref": f"#/channels/socket/messages/{reply}"} for reply in (ack, "ack_error")
                ],
            }
        operations[key] = operation
        for kind in event.rooms[1:]:
            operations[f"{key}.{kind}"] = {
                **{k: v for k, v in operation.items() if k != "reply"},
                "channel": {"$ref": f"#/channels/{kind}"},
                "messages": [{"$ref": f"#/channels/{kind}/messages/{key}"}],
            }
    connection = {
        "auth": converter.schema(ConnectAuthSchema),
        "connect_error": converter.schema(ConnectErrorSchema),
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{app.config['API_TITLE']} live events",
            "version": app.config["API_VERSION"],
            "description": _DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "x-connect-auth": connection["auth"],
        "x-connect-error": connection["connect_error"],
        "channels": _channels(rooms),
        "operations": {key: operations[key] for key in sorted(operations)},
        "components": {
            "schemas": converter.components(),
            "messages": {key: messages[key] for key in sorted(messages)},
        },
    }


def document(app: Flask | None = None) -> dict[str, Any]:
    """The app's document, built on first use (the catalog is complete once the app is)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(_DOCUMENT)
    if found is None:
        found = app.extensions[_DOCUMENT] = build(app)
    return found


def _serve() -> ResponseReturnValue:
    return jsonify(document())


def init_app(app: Flask) -> None:
    """Serve the document at `/api/asyncapi.json`."""
    app.add_url_rule("/api/asyncapi.json", "asyncapi", _serve, methods=["GET"])
