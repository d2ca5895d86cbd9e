"""Every live event the code publishes is checked against `/api/asyncapi.json`.

`hook_publisher` wraps `neighbours.realtime.publish.publish` (at queue time: most tests roll
back and never commit, so nothing would be emitted) and `neighbours.realtime.delivery.emit`
(direct emits), wherever a module imported them, and fails the test at once when an event
is not in the app's catalog, goes to a room kind the catalog does not name for it, or its
payload does not validate against the document's payload schema.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, current_app, has_app_context
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from neighbours.realtime import asyncapi, catalog, delivery
from neighbours.realtime import publish as publishing

_VALIDATORS = "tests.events.validators"
_DOCUMENT_URI = "urn:neighbours:asyncapi"


def _validator(app: Flask, name: str) -> Draft7Validator:
    validators: dict[str, Draft7Validator] = app.extensions.setdefault(_VALIDATORS, {})
    if name not in validators:
        document = asyncapi.document(app)
        registry = Registry().with_resource(
            _DOCUMENT_URI, Resource(contents=document, specification=DRAFT7)
        )
        pointer = f"{_DOCUMENT_URI}#/components/messages/{name.replace(':', '_')}/payload"
        validators[name] = Draft7Validator({"$ref": pointer}, registry=registry)
    return validators[name]


def _room_kind(room: str) -> str:
    kind, sep, _rest = room.partition(":")
    return kind if sep and kind in catalog.ROOM_KINDS else "socket"


def problems(name: str, payload: Any, room: Any, app: Flask | None = None) -> list[str]:
    """What is wrong with publishing `payload` as `name` to `room` (nothing: an empty list)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    event = catalog.events(app).get(name)
    if event is None:
        return [f"live event {name!r} is not in the catalog (/api/asyncapi.json)"]
    if event.action != catalog.SEND:
        return [f"live event {name!r} is sent by clients, not by the server"]
    found = []
    rooms = [room] if isinstance(room, str) else list(room)
    for kind in sorted({_room_kind(r) for r in rooms} - set(event.rooms)):
        found.append(f"live event {name!r} sent to a {kind!r} room; it goes to {event.rooms}")
    wire = json.loads(json.dumps(payload, default=str))  # as a client receives it
    if event.logged and isinstance(wire, dict):
        # Published payloads get their `event_id` when the log is written; check the rest.
        wire.setdefault("event_id", 1)
    for error in sorted(_validator(app, name).iter_errors(wire), key=lambda e: list(e.path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(payload)"
        found.append(f"live event {name!r}: {where}: {error.message}")
    return found


def _check(name: str, payload: Any, room: Any) -> None:
    if not has_app_context():
        return  # nothing to check against; publishing needs an app anyway
    found = problems(name, payload, room)
    if found:
        pytest.fail("\n".join(found), pytrace=False)


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    def checked(name: str, payload: Any, room: Any, *args: Any, **kwargs: Any) -> Any:
        _check(name, payload, room)
        return original(name, payload, room, *args, **kwargs)

    checked.__wrapped__ = original  # type: ignore[attr-defined]
    return checked


def hook_publisher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrap `publish` and `emit` in every loaded module of neighbours that holds them."""
    for original in (publishing.publish, delivery.emit):
        checked = _wrap(original)
        for module_name, module in list(sys.modules.items()):
            if not module_name.startswith("neighbours") or module is None:
                continue
            for attribute, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attribute, checked)


def replayed_over_rest(api: Any, reader: Any) -> list[tuple[str, str]]:
    """What `GET /events?after=0` gives `reader` back: (name, payload as JSON text) pairs."""
    body = api.get("/events?after=0&limit=200", headers=reader.headers).get_json()
    return [(item["name"], json.dumps(item["payload"])) for item in body["items"]]
