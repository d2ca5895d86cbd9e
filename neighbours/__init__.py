"""neighbours: the backend of a neighbourhood social network with shared canteen meals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app (see `neighbours.app.create_app`)."""
    # Local: importing the package (e.g. for `neighbours.extensions`) must not build the app's
    # whole import graph; only building an app does.
    from neighbours.app import create_app as build

    return build(config)
