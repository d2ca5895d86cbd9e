"""Notification routes."""

from flask.views import MethodView
from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.notifications import services, settings
from neighbours.notifications.schemas import (
    MarkReadResultSchema,
    MarkReadSchema,
    NotificationListArgs,
    NotificationPageSchema,
    NotificationSettingsPatchSchema,
    NotificationSettingsSchema,
)

blp = Blueprint("notifications", __name__, description="In-app notifications")


@blp.route("/notifications")
class Notifications(MethodView):
    @login_required
    @blp.arguments(NotificationListArgs, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args: dict) -> object:
        """List my notifications, newest first (`?unread=true` for unread only)."""
        return services.list_notifications(current_user(), **args)


@blp.route("/notifications/read")
class NotificationsRead(MethodView):
    @login_required
    @blp.arguments(MarkReadSchema)
    @blp.response(200, MarkReadResultSchema)
    def post(self, data: dict) -> dict:
        """Mark notifications read: `{ids: [...]}` or `{all: true}`."""
        updated = services.mark_read(
            current_user(), ids=data.get("ids"), all_=data.get("all", False)
        )
        return {"updated": updated}


# Functions, not a MethodView: the body checks read each operation's own document.
@blp.route("/me/notification-settings", methods=["GET"])
@login_required
@blp.response(200, NotificationSettingsSchema)
def get_notification_settings() -> dict:
    """Which reminders, briefs and digests I get."""
    return settings.settings_of(current_user())


@blp.route("/me/notification-settings", methods=["PATCH"])
@login_required
@blp.arguments(NotificationSettingsPatchSchema)
@blp.response(200, NotificationSettingsSchema)
def update_notification_settings(data: dict) -> dict:
    """Turn reminders, the morning brief or the free-seats digest on or off: only the
    switches named change (`{"reminders": {"waitlist": false}}`); new keys may appear in
    later versions (keep what you don't know, send only what you change)."""
    return settings.update_settings(current_user(), data)
