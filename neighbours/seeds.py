"""Demo content that later features add to `flask seed-demo`."""

from __future__ import annotations

from typing import Any


def extend_demo(neighbourhood: Any) -> None:
    """Hook for features to add demo content (canteens, meals, posts, conversations)."""
