"""Suspensions: looked up by the neighbourhoods feature (can_write), re-exported here."""

from __future__ import annotations

from neighbours.neighbourhoods.policies import active_suspension

__all__ = ["active_suspension"]
