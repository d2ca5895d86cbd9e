"""Each app's live state, and the seams through which features plug into the live layer.

The live layer knows no feature. Features register, per app, from `create_app` (each feature's
`wiring.py`):

- an authenticator (accounts): a token -> `Identity` (user, session, when it stops working),
  and a bulk check of session ids for the sweeper;
- room providers (neighbourhoods, meals): a socket -> the rooms it belongs in, each with its
  scope (a neighbourhood id or None), re-asked whenever its user's memberships change;
- socket events (meals: `meal:watch`, `meal:unwatch`), through `on_event`;
- connect hooks (meals: the watches a reconnecting client names in `auth.watch`), through
  `on_connect`: they read the connect's `auth` and keep what they need in `LiveSocket.extras`
  before the room providers run.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import socketio as sio
from flask import Flask, current_app, request

from neighbours.extensions import socketio
from neighbours.realtime.registry import LiveSocket, Registry

NAMESPACE = "/"
_STATE = "neighbours.realtime"


@dataclass(frozen=True)
class Identity:
    """Who a socket's token signs in: the user, the session (token id) and its expiry."""

    user_id: int
    token_id: int
    expires_at: datetime | None
    # The user's own language setting (None: the handshake's Accept-Language, then default).
    locale: str | None = None


class Authenticator(Protocol):
    """Registered by accounts: the live layer's only way to know who a token is."""

    def authenticate(self, token: str | None) -> Identity | None:
        """The identity of a live token, or None (unknown, expired, revoked, user deleted)."""
        ...

    def still_valid(self, token_ids: list[int]) -> set[int]:
        """Of these session ids, those that still work (one query per few thousand ids)."""
        ...

    def refusal(self, token: str | None) -> str:
        """Why a token `authenticate` refused does not sign in: `expired` for a session
        that ran out, `unauthorized` for anything else (none, unknown, revoked)."""
        ...


# A socket and the rooms found so far (room -> scope) -> more rooms with their scopes. A room
# whose scope (neighbourhood id) a provider no longer returns is left, so providers that keep
# rooms of their own on a socket (meals: watched meals) read the scopes found before them.
RoomProvider = Callable[[LiveSocket, dict[str, "int | None"]], dict[str, "int | None"]]
# A signed-in socket and its connect's `auth` object -> None (it may fill `extras`).
ConnectHook = Callable[[LiveSocket, dict[str, Any]], None]


@dataclass
class LiveState:
    """What one app's live layer holds: its Socket.IO server, the sockets it serves, and what
    features registered with it.

    Kept per app rather than on the module-wide `socketio` extension, which is rebound by every
    `create_app()` (tests and CLI build several apps in one process).
    """

    server: sio.Server
    sockets: Registry = field(default_factory=Registry)
    # Tells this app's own control messages apart when they come back over Redis.
    origin: str = field(default_factory=lambda: uuid.uuid4().hex)
    listening: bool = False
    sweeping: bool = False
    subscribed: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    authenticator: Authenticator | None = None
    room_providers: list[RoomProvider] = field(default_factory=list)
    connect_hooks: list[ConnectHook] = field(default_factory=list)
    # When each user last had sockets cut (user_id -> (monotonic time, token_id or None for
    # all, the reason)) or rooms re-synced (user_id -> time) on this process: a socket still
    # connecting when that happened (signed in and placed from what was true a moment before) checks
    # these once it is registered, so a logout or a leave can't slip between the two.
    recent_cuts: dict[int, tuple[float, int | None, str]] = field(default_factory=dict)
    recent_syncs: dict[int, float] = field(default_factory=dict)


def state(app: Flask | None = None) -> LiveState:
    return (app or current_app).extensions[_STATE]


def install_state(app: Flask, server: sio.Server) -> LiveState:
    live = app.extensions[_STATE] = LiveState(server=server)
    return live


# --- seams: what features register --------------------------------------------------------


def set_authenticator(app: Flask, authenticator: Authenticator) -> None:
    """Accounts tells the live layer how to check tokens (connect, sweeper)."""
    state(app).authenticator = authenticator


def authenticator(app: Flask | None = None) -> Authenticator:
    found = state(app).authenticator
    if found is None:
        raise RuntimeError("No authenticator registered with the live layer (see create_app).")
    return found


def add_room_provider(app: Flask, provider: RoomProvider) -> None:
    """A feature adds the rooms a socket belongs in; providers run in registration order."""
    providers = state(app).room_providers
    if provider not in providers:
        providers.append(provider)


def on_connect(app: Flask, hook: ConnectHook) -> None:
    """A feature reads the `auth` of each connect, before the socket's rooms are found."""
    hooks = state(app).connect_hooks
    if hook not in hooks:
        hooks.append(hook)


def on_event(app: Flask, name: str, handler: Callable[..., Any]) -> None:
    """A feature handles a socket event on this app's server (call right after `init_app`).

    The handler runs with the app and request contexts like any Flask-SocketIO handler; an
    exception becomes an error ack (see `handlers.on_error`).
    """
    # The module-wide extension is bound to the server of the app built last: this app's.
    if socketio.server is not state(app).server:
        raise RuntimeError(f"register {name!r} while building its app, after realtime.init_app")
    socketio.on_event(name, handler, namespace=NAMESPACE)


# --- for feature handlers ------------------------------------------------------------------


def current_socket() -> LiveSocket | None:
    """The signed-in socket sending the event being handled (None if the registry lost it)."""
    return state().sockets.get(request.sid)  # type: ignore[attr-defined]


def join(live: LiveSocket, room: str) -> None:
    state().server.enter_room(live.sid, room, namespace=NAMESPACE)


def leave(live: LiveSocket, room: str) -> None:
    state().server.leave_room(live.sid, room, namespace=NAMESPACE)
