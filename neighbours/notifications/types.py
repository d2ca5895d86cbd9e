"""The kinds of notification: each type's payload schema, and its sentence for people.

Every type names things the same way: the other person as `actor` ({id, display_name,
avatar_url}), a neighbourhood as `neighbourhood_id` + `neighbourhood_name`, a meal as
`meal_id` + `meal_title` (+ `starts_at`), a post as `post_id` + `post_title`.

Rows stored before these names are read tolerantly (`normalized`): `author` and `from` become
`actor`; nothing is migrated.
"""

from __future__ import annotations

import enum
from typing import Any

import marshmallow as ma
from flask_babel import gettext, pgettext
from flask_babel import lazy_gettext as _l

from neighbours.accounts.schemas import PersonSchema


class NotificationType(enum.StrEnum):
    COMMENT_ON_POST = "comment_on_post"
    NEW_CONVERSATION = "new_conversation"
    WAITLIST_PROMOTED = "waitlist_promoted"
    MEAL_CANCELLED = "meal_cancelled"
    MODERATION_DECISION = "moderation_decision"
    MEMBERSHIP_APPROVED = "membership_approved"
    MEMBERSHIP_DECLINED = "membership_declined"
    # Sent by the job runner (meals' reminders, briefs and digest).
    MEAL_REMINDER = "meal_reminder"
    KITCHEN_REMINDER = "kitchen_reminder"
    WAITLIST_REMINDER = "waitlist_reminder"
    HOST_BRIEF = "host_brief"
    FREE_SEATS_DIGEST = "free_seats_digest"


def _actor(required: bool = True) -> ma.fields.Nested:
    return ma.fields.Nested(
        PersonSchema, required=required, metadata={"description": "the other person"}
    )


class CommentOnPostPayloadSchema(ma.Schema):
    actor = _actor()
    post_id = ma.fields.Integer(required=True)
    post_title = ma.fields.String(required=True)
    comment_id = ma.fields.Integer(required=True)


class NewConversationPayloadSchema(ma.Schema):
    actor = _actor()
    conversation_id = ma.fields.Integer(required=True)
    preview = ma.fields.String(required=True, metadata={"description": "the first 100 characters"})


class MealPayloadSchema(ma.Schema):
    meal_id = ma.fields.Integer(required=True)
    meal_title = ma.fields.String(required=True)
    starts_at = ma.fields.String(required=True, metadata={"format": "date-time"})


class WaitlistPromotedPayloadSchema(MealPayloadSchema):
    signup_id = ma.fields.Integer(required=True)


class MealCancelledPayloadSchema(MealPayloadSchema):
    actor = _actor(required=False)
    reason = ma.fields.String(required=True, metadata={"description": "the host's words"})


class ModerationDecisionPayloadSchema(ma.Schema):
    action = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["hide", "remove", "warn", "suspend"])
    )
    reason = ma.fields.String(allow_none=True)
    target_type = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["post", "comment", "message", "user", "meal"])
    )
    target_id = ma.fields.Integer(required=True)
    neighbourhood_id = ma.fields.Integer(required=True)
    neighbourhood_name = ma.fields.String()
    suspended_until = ma.fields.String(metadata={"format": "date-time"})


class MembershipPayloadSchema(ma.Schema):
    neighbourhood_id = ma.fields.Integer(required=True)
    neighbourhood_name = ma.fields.String(required=True)


_LOCAL_TIME = {"description": "the time it names, HH:MM in the canteen's time zone"}


class MealReminderPayloadSchema(MealPayloadSchema):
    signup_id = ma.fields.Integer(required=True)
    local_time = ma.fields.String(required=True, metadata=_LOCAL_TIME)


class KitchenReminderPayloadSchema(MealReminderPayloadSchema):
    kitchen_starts_at = ma.fields.String(
        required=True, metadata={"format": "date-time", "description": "when cooking starts"}
    )


class WaitlistReminderPayloadSchema(MealReminderPayloadSchema):
    waitlist_position = ma.fields.Integer(required=True, metadata={"description": "1: next"})


class _Counts(ma.Schema):
    people = ma.fields.Integer(required=True, metadata={"description": "seats taken"})
    guests = ma.fields.Integer(required=True, metadata={"description": "people brought along"})
    diets = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "diet -> how many of those who booked follow it"},
    )
    allergens = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "allergen -> how many of those who booked avoid it"},
    )


class BriefPoolSchema(_Counts):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    capacity = ma.fields.Integer(required=True)
    signups = ma.fields.Integer(required=True, metadata={"description": "confirmed bookings"})
    waitlist = ma.fields.Integer(required=True, metadata={"description": "bookings waiting"})


class HostBriefPayloadSchema(MealPayloadSchema):
    local_time = ma.fields.String(required=True, metadata=_LOCAL_TIME)
    people = ma.fields.Integer(required=True, metadata={"description": "all pools"})
    guests = ma.fields.Integer(required=True, metadata={"description": "all pools"})
    pools = ma.fields.List(ma.fields.Nested(BriefPoolSchema), required=True)


class DigestMealSchema(MealPayloadSchema):
    local_time = ma.fields.String(required=True, metadata=_LOCAL_TIME)
    canteen_name = ma.fields.String(required=True)
    neighbourhood_id = ma.fields.Integer(required=True)
    seats_left = ma.fields.Integer(required=True, metadata={"description": "in every pool"})


class FreeSeatsDigestPayloadSchema(ma.Schema):
    day = ma.fields.String(required=True, metadata={"format": "date", "description": "today"})
    meals = ma.fields.List(ma.fields.Nested(DigestMealSchema), required=True)


PAYLOADS: dict[NotificationType, type[ma.Schema]] = {
    NotificationType.COMMENT_ON_POST: CommentOnPostPayloadSchema,
    NotificationType.NEW_CONVERSATION: NewConversationPayloadSchema,
    NotificationType.WAITLIST_PROMOTED: WaitlistPromotedPayloadSchema,
    NotificationType.MEAL_CANCELLED: MealCancelledPayloadSchema,
    NotificationType.MODERATION_DECISION: ModerationDecisionPayloadSchema,
    NotificationType.MEMBERSHIP_APPROVED: MembershipPayloadSchema,
    NotificationType.MEMBERSHIP_DECLINED: MembershipPayloadSchema,
    NotificationType.MEAL_REMINDER: MealReminderPayloadSchema,
    NotificationType.KITCHEN_REMINDER: KitchenReminderPayloadSchema,
    NotificationType.WAITLIST_REMINDER: WaitlistReminderPayloadSchema,
    NotificationType.HOST_BRIEF: HostBriefPayloadSchema,
    NotificationType.FREE_SEATS_DIGEST: FreeSeatsDigestPayloadSchema,
}

_TEXTS = {
    NotificationType.COMMENT_ON_POST: _l("%(actor)s commented on your post “%(post_title)s”."),
    NotificationType.NEW_CONVERSATION: _l("%(actor)s started a conversation with you."),
    NotificationType.WAITLIST_PROMOTED: _l(
        "A seat is yours at “%(meal_title)s”: you are off the waitlist."
    ),
    NotificationType.MEAL_CANCELLED: _l("“%(meal_title)s” is cancelled: %(reason)s"),
    NotificationType.MEMBERSHIP_APPROVED: _l(
        "Your request to join %(neighbourhood_name)s was approved."
    ),
    NotificationType.MEMBERSHIP_DECLINED: _l(
        "Your request to join %(neighbourhood_name)s was declined."
    ),
    NotificationType.MEAL_REMINDER: _l("Reminder: “%(meal_title)s” starts at %(local_time)s."),
    NotificationType.KITCHEN_REMINDER: _l(
        "Reminder: cooking for “%(meal_title)s” starts at %(local_time)s."
    ),
    NotificationType.WAITLIST_REMINDER: _l(
        "“%(meal_title)s” starts at %(local_time)s and you are still number "
        "%(waitlist_position)s on the waitlist."
    ),
    NotificationType.HOST_BRIEF: _l(
        "Today at %(local_time)s, “%(meal_title)s”: %(people)s people booked, "
        "%(guests)s of them guests."
    ),
    NotificationType.FREE_SEATS_DIGEST: _l(
        "Seats are still free tonight and tomorrow at: %(meal_titles)s."
    ),
}
# One meal's title among others, quoted as the language quotes.
_QUOTED = _l("“%(meal_title)s”")
_DECISIONS = {
    "hide": _l("A moderator hid your %(target)s."),
    "remove": _l("A moderator removed your %(target)s."),
    "warn": _l("A moderator warned you about your %(target)s."),
    "suspend": _l("A moderator suspended your participation in %(neighbourhood_name)s."),
}


def _target_noun(target_type: str) -> str:
    """What was moderated, in the current locale."""
    nouns = {
        "post": pgettext("moderation target", "post"),
        "comment": pgettext("moderation target", "comment"),
        "message": pgettext("moderation target", "message"),
        "meal": pgettext("moderation target", "meal"),
        "user": pgettext("moderation target", "profile"),
    }
    return nouns.get(target_type, "")


class _Values(dict):
    """What a sentence may name: anything a stored payload lacks reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


def normalized(type_: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    """A stored payload in today's vocabulary (older rows said `author` or `from`)."""
    data = dict(payload or {})
    for old in ("author", "from"):
        if old in data and "actor" not in data:
            data["actor"] = data.pop(old)
    if isinstance(data.get("actor"), dict):
        data["actor"] = {"avatar_url": None, **data["actor"]}
    return data


def text(type_: str, payload: dict[str, Any]) -> str:
    """The notification as one sentence, in the current locale."""
    values = _Values({key: value for key, value in payload.items() if isinstance(value, str | int)})
    actor = payload.get("actor")
    values["actor"] = actor.get("display_name", "") if isinstance(actor, dict) else ""
    values.setdefault("neighbourhood_name", "")
    if type_ == NotificationType.FREE_SEATS_DIGEST:
        meals = payload.get("meals") if isinstance(payload.get("meals"), list) else []
        values["meal_titles"] = ", ".join(
            str(_QUOTED) % {"meal_title": meal.get("meal_title", "")}
            for meal in meals
            if isinstance(meal, dict)
        )
    if type_ == NotificationType.MODERATION_DECISION:
        template = _DECISIONS.get(str(payload.get("action")))
        values["target"] = _target_noun(str(payload.get("target_type")))
    else:
        template = _TEXTS.get(type_)  # type: ignore[call-overload]
    if template is None:
        return gettext("You have a new notification.")
    return str(template) % values
