"""Seams between layers: named lists of callables that a lower layer calls and higher layers fill.

A lower feature declares a `Hook` (for example accounts' `deleting`, run when an account is
deleted); a higher feature registers a function on it for one app, from `create_app` (see each
feature's `wiring.py`). The lower feature calls `hook.callbacks()` and never imports the higher
one. Callbacks run in the order they were registered; `create_app` wires features from the top
layer down, so meals' callbacks run before neighbourhoods' (the lock order the code had before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from flask import Flask, current_app

F = TypeVar("F", bound=Callable[..., Any])

_KEY = "neighbours.hooks"


class Hook(Generic[F]):
    """One seam: per app, the callbacks registered on it, in order."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc

    def register(self, app: Flask, callback: F) -> F:
        """Add `callback` for `app` (once: registering it again does nothing)."""
        callbacks = app.extensions.setdefault(_KEY, {}).setdefault(self.name, [])
        if callback not in callbacks:
            callbacks.append(callback)
        return callback

    def callbacks(self, app: Flask | None = None) -> list[F]:
        """The callbacks registered for `app` (the current app by default)."""
        registry = (app or current_app).extensions.get(_KEY, {})
        return list(registry.get(self.name, []))

    def __repr__(self) -> str:
        return f"Hook({self.name!r})"
