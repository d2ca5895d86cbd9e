"""The gate in front of every event a client sends, before any handler runs.

Installed on each app's Socket.IO server (`install`), it wraps the server's event dispatch:

- Reserved names (`connect`, `disconnect`, ...) sent as ordinary events never reach a handler:
  python-socketio would hand a client's `disconnect` event to the disconnect handler, and the
  server would forget a socket that stays connected in all its rooms.
- The registry is the truth: an event from a socket it does not know is refused and the socket
  cut, so a socket the server forgot can never keep listening.
- Each socket has a token bucket (`SOCKET_EVENT_RATE`, `SOCKET_EVENT_BURST`, off with
  `RATELIMIT_ENABLED=false`): past it an event is answered 429 without running anything, and a
  socket that keeps going after `SOCKET_EVENT_BURST` refusals in a row is cut.
- An event no handler is registered for is answered 404 rather than left without an ack, and
  an event with more than one argument 422.
- Before decoding: a binary packet (no event takes one; python-socketio would buffer its
  attachments without limit) or a packet that can't be decoded closes the connection, logged in
  one line.

The checks run where the packet is read, before python-socketio starts a handler task, so a
flood costs this process a dictionary lookup per event and holds up no one else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import socketio as sio
from flask import Flask
from flask_babel import lazy_gettext as _l
from socketio import packet

from neighbours.realtime.errors import error_ack

if TYPE_CHECKING:
    from neighbours.realtime import LiveState

log = logging.getLogger(__name__)

# Names the Socket.IO protocol and its clients keep for themselves.
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)


def _ack(server: sio.Server, eio_sid: str, namespace: str, id: int | None, body: Any) -> None:
    if id is None:
        return
    try:
        server._send_packet(
            eio_sid, server.packet_class(packet.ACK, namespace=namespace, id=id, data=[body])
        )
    except Exception:  # the connection went away meanwhile
        log.debug("could not send an ack to %s", eio_sid, exc_info=True)


def _cut(server: sio.Server, sid: str, namespace: str) -> None:
    try:
        server.disconnect(sid, namespace=namespace, ignore_queue=True)
    except Exception:
        log.debug("could not disconnect %s", sid, exc_info=True)


_RESERVED = _l("This event name is reserved.")
_NOT_SIGNED_IN = _l("This socket is not signed in.")
_TOO_MANY = _l("Too many events; slow down.")
_ONE_ARGUMENT = _l("Events take one argument, an object.")
# Socket.IO's BINARY_EVENT and BINARY_ACK packet types, as the first character of a packet.
_BINARY = {str(packet.BINARY_EVENT), str(packet.BINARY_ACK)}


def _cut_connection(server: sio.Server, eio_sid: str) -> None:
    """Close the Engine.IO connection itself: its Socket.IO sockets go with it, through the
    usual disconnect handler.

    Without waiting for its queue to drain: on the polling transport nothing drains it once the
    client has gone, and `eio.disconnect` (which waits) held the request, and its worker
    connection, forever.
    """
    connection = server.eio.sockets.get(eio_sid)
    if connection is None:
        return
    try:
        connection.close(wait=False, reason=server.eio.reason.SERVER_DISCONNECT)
    except Exception:
        log.debug("could not close %s", eio_sid, exc_info=True)
    server.eio.sockets.pop(eio_sid, None)


def install(app: Flask, live: LiveState) -> None:
    """Wrap `live.server`'s event dispatch with the checks above."""
    server = live.server
    dispatch: Callable[..., Any] = server._handle_event

    def refuse(
        eio_sid: str, namespace: str, id: int | None, code: int, message: Any, **kwargs: Any
    ) -> None:
        """Ack an error (in the socket's language: `locale=`), if the client asked for one."""
        if id is not None:
            with app.app_context():
                body = error_ack(code, message, **kwargs)
            _ack(server, eio_sid, namespace, id, body)

    def guarded(eio_sid: str, namespace: str | None, id: int | None, data: Any) -> Any:
        namespace = namespace or "/"
        name = data[0] if isinstance(data, list) and data else None
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        if not isinstance(name, str) or name in RESERVED_EVENTS:
            log.warning("refused a client event with a reserved or no name: %r", name)
            known = live.sockets.get(sid) if sid is not None else None
            locale = known.locale if known is not None else None
            refuse(eio_sid, namespace, id, 400, _RESERVED, reason="reserved_event", locale=locale)
            return None
        if sid is None or not server.manager.is_connected(sid, namespace):
            return None  # not connected to this namespace: python-socketio ignores it too
        socket = live.sockets.get(sid)
        if socket is None:
            log.warning("event %r from socket %s the server does not know: cut", name, sid)
            refuse(eio_sid, namespace, id, 401, _NOT_SIGNED_IN, reason="not_signed_in")
            _cut(server, sid, namespace)
            return None
        config = app.config
        if config.get("LIMITS_ENABLED"):
            burst = float(config["SOCKET_EVENT_BURST"])
            if not socket.bucket.take(float(config["SOCKET_EVENT_RATE"]), burst):
                socket.refused += 1
                refuse(
                    eio_sid,
                    namespace,
                    id,
                    429,
                    _TOO_MANY,
                    reason="too_many_events",
                    locale=socket.locale,
                )
                if socket.refused > burst:
                    log.warning("socket %s of user %s flooded: cut", sid, socket.user_id)
                    _cut(server, sid, namespace)
                return None
            socket.refused = 0
        handlers = server.handlers.get(namespace, {})
        if name not in handlers and "*" not in handlers:
            message = _l("No such event: %(name)s.", name=name[:50])
            refuse(
                eio_sid, namespace, id, 404, message, reason="unknown_event", locale=socket.locale
            )
            return None
        if len(data) > 2:
            refuse(
                eio_sid,
                namespace,
                id,
                422,
                _ONE_ARGUMENT,
                reason="one_argument",
                locale=socket.locale,
            )
            return None
        return dispatch(eio_sid, namespace, id, data)

    server._handle_event = guarded  # type: ignore[method-assign]
    receive: Callable[..., Any] = server._handle_eio_message

    def checked(eio_sid: str, data: Any) -> Any:
        """Before a packet is decoded: no binary packets (no event takes one; python-socketio
        would buffer up to 10^10 attachments of a packet that never completes), and a packet
        that can't be decoded cuts its connection, in one log line (no ack is possible: its id
        was not read). What follows on a connection already cut is dropped without a word."""
        if eio_sid in cut_off:
            return None
        if isinstance(data, bytes) or (isinstance(data, str) and data[:1] in _BINARY):
            log.warning("binary packet from %s: cut", eio_sid)
            cut_connection(eio_sid)
            return None
        try:
            return receive(eio_sid, data)
        except Exception as exc:
            log.warning("undecodable packet from %s (%s): cut", eio_sid, type(exc).__name__)
            cut_connection(eio_sid)
            return None

    # Connections cut here, newest last: the rest of a polling payload, or what a client keeps
    # sending before it notices, is dropped without a word (bounded: oldest forgotten first).
    cut_off: dict[str, None] = {}

    def cut_connection(eio_sid: str) -> None:
        cut_off[eio_sid] = None
        while len(cut_off) > 10_000:
            cut_off.pop(next(iter(cut_off)))
        _cut_connection(server, eio_sid)

    server._handle_eio_message = checked  # type: ignore[method-assign]
    server.eio.on("message", checked)  # Engine.IO holds the bound method it was given
