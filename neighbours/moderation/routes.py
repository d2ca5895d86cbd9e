"""Moderation routes."""

from __future__ import annotations

from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.moderation import services
from neighbours.moderation.schemas import (
    DecideSchema,
    LogPageSchema,
    QueueArgs,
    QueueItemSchema,
    QueuePageSchema,
    ReportCreateSchema,
    ReportSchema,
    SettingsSchema,
)
from neighbours.pagination import PageArgs

blp = Blueprint("moderation", __name__, description="Reports, the review queue and the log")


@blp.route("/reports", methods=["POST"])
@login_required
@blp.arguments(ReportCreateSchema)
@blp.response(201, ReportSchema)
@blp.alt_response(409, description="You already have an open report on this target")
def create_report(data: dict) -> object:
    """Report a post, comment, message, user or meal I can see."""
    return services.report(
        current_user(), data["target_type"], data["target_id"], data["reason"], data["details"]
    )


@blp.route("/neighbourhoods/<int:neighbourhood_id>/moderation/queue", methods=["GET"])
@login_required
@blp.arguments(QueueArgs, location="query")
@blp.response(200, QueuePageSchema)
def moderation_queue(args: dict, neighbourhood_id: int) -> object:
    """The review queue, oldest first: one item per target with its reports (moderators)."""
    return services.queue(current_user(), neighbourhood_id, **args)


@blp.route("/moderation/items/<int:item_id>/decide", methods=["POST"])
@login_required
@blp.arguments(DecideSchema)
@blp.response(200, QueueItemSchema)
def decide(data: dict, item_id: int) -> object:
    """Decide on a queue item: dismiss, hide, remove, warn or suspend (moderators)."""
    item = services.decide(
        current_user(), item_id, data["action"], data["reason"], data["suspend_days"]
    )
    return services.QueueItemView(item)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/moderation/log", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, LogPageSchema)
def moderation_log(args: dict, neighbourhood_id: int) -> object:
    """Every moderator action, newest first (moderators)."""
    return services.moderation_log(current_user(), neighbourhood_id, **args)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/moderation/settings", methods=["GET"])
@login_required
@blp.response(200, SettingsSchema)
def get_settings(neighbourhood_id: int) -> object:
    """Report threshold, posting limits and held words (moderators)."""
    return services.get_settings(current_user(), neighbourhood_id)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/moderation/settings", methods=["PATCH"])
@login_required
@blp.arguments(SettingsSchema)
@blp.response(200, SettingsSchema)
def update_settings(data: dict, neighbourhood_id: int) -> object:
    """Change the report threshold, limits or held words (moderators)."""
    return services.update_settings(current_user(), neighbourhood_id, data)
