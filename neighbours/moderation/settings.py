"""A neighbourhood's moderation settings: thresholds, daily limits and held words."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.models import User
from neighbours.extensions import db
from neighbours.moderation import limits
from neighbours.moderation.models import ModerationSettings
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.log import record

SETTING_NAMES = (
    "report_threshold",
    "new_member_posts",
    "daily_posts",
    "daily_comments",
    "daily_reports",
    "daily_conversations",
)


def get_settings(moderator: User, neighbourhood_id: int) -> dict[str, Any]:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    settings = db.session.get(ModerationSettings, neighbourhood.id)
    result: dict[str, Any] = {
        name: limits.setting(neighbourhood.id, name) for name in SETTING_NAMES
    }
    result["held_words"] = list(settings.held_words) if settings else []
    result["neighbourhood_id"] = neighbourhood.id
    return result


def update_settings(
    moderator: User, neighbourhood_id: int, fields: dict[str, Any]
) -> dict[str, Any]:
    neighbourhood = neighbourhood_policies.get_neighbourhood(neighbourhood_id)
    neighbourhood_policies.require_moderator(moderator, neighbourhood)
    settings = db.session.get(ModerationSettings, neighbourhood.id)
    if settings is None:
        settings = ModerationSettings(neighbourhood_id=neighbourhood.id, held_words=[])
        db.session.add(settings)
    changed = sorted(name for name, value in fields.items() if getattr(settings, name) != value)
    for name in changed:
        setattr(settings, name, fields[name])
    if not changed:
        db.session.rollback()
        return get_settings(moderator, neighbourhood_id)
    record(
        moderator,
        neighbourhood.id,
        "update_settings",
        "neighbourhood",
        neighbourhood.id,
        None,
        changed=changed,
    )
    db.session.commit()
    return get_settings(moderator, neighbourhood_id)
