"""Moderation's face: what the routes, the other features and the tests call.

The work is split by use case: `targets` (the registry of what can be reported, filled by the
features), `reports`, `queue`, `screening` (held words), `decisions`, `suspensions`,
`settings` and `log`.
"""

from __future__ import annotations

from neighbours.moderation.decisions import CONTENT_CHANGES, decide
from neighbours.moderation.log import moderation_log, record
from neighbours.moderation.queue import QueueItemView, queue
from neighbours.moderation.reports import REASON_WEIGHT, counted_reporters, report
from neighbours.moderation.screening import held_word, screen
from neighbours.moderation.settings import SETTING_NAMES, get_settings, update_settings
from neighbours.moderation.suspensions import active_suspension, suspend
from neighbours.moderation.targets import (
    Target,
    TargetKind,
    register_target,
    resolve_target,
    set_content_status,
)

__all__ = [
    "CONTENT_CHANGES",
    "REASON_WEIGHT",
    "SETTING_NAMES",
    "QueueItemView",
    "Target",
    "TargetKind",
    "active_suspension",
    "counted_reporters",
    "decide",
    "get_settings",
    "held_word",
    "moderation_log",
    "queue",
    "record",
    "register_target",
    "report",
    "resolve_target",
    "screen",
    "set_content_status",
    "suspend",
    "update_settings",
]
