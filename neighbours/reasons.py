"""Every machine-readable `reason` an error may carry: the enum of the OpenAPI `Error` schema.

A client switches on `reason`, never on `message` (which is translated). Reasons are snake_case
and stable: add new ones, never rename or reuse one. `AppError` refuses a reason that is not
listed here, so a typo fails the first test that reaches it.

Each section belongs to one area of the code; keep additions in their section.
"""

from __future__ import annotations

# Generic: one per HTTP status, for errors that have nothing more specific to say.
GENERIC = {
    "bad_request": "The request is malformed.",
    "unauthorized": "No valid bearer token.",
    "forbidden": "The caller may not do this.",
    "not_found": "No such object, or not visible to the caller.",
    "method_not_allowed": "This path does not accept this method.",
    "conflict": "This conflicts with the current state of the resource.",
    "payload_too_large": "The body is too large.",
    "unsupported_media_type": "The body is not of a supported type.",
    "invalid_input": "One or more fields are invalid; `errors` names them.",
    "rate_limited": "Too many requests; `Retry-After` says when to try again.",
    "server_error": "Something went wrong on the server; it has been logged.",
    "unavailable": "A service the server needs is down; try again shortly.",
    "not_json": "The body is not JSON, or not declared as JSON.",
    "body_required": "This operation needs a JSON body.",
    "too_deep": "The JSON body nests too deeply.",
    "out_of_range": "A value is beyond what the server can store.",
    "uri_too_long": "The request line is too long (gunicorn refuses it before the app).",
    "headers_too_large": "Too many or too large headers (gunicorn refuses them before the app).",
    "unreadable_body": "The body could not be read (broken chunked encoding).",
    "idempotency_in_progress": "A request with this Idempotency-Key is still being handled.",
    "idempotency_key_reused": "This Idempotency-Key was used with a different request.",
}

# Field-level reasons (`field_reasons`, beside each field's messages).
FIELDS = {
    "required": "The field is missing.",
    "null": "The field may not be null.",
    "invalid": "The value has the wrong type or format.",
    "unknown_field": "The field is not accepted here.",
    "too_short": "Shorter than the minimum length.",
    "too_long": "Longer than the maximum length.",
    "bad_length": "The length is outside the accepted range.",
    "not_one_of": "Not one of the accepted values.",
    "out_of_bounds": "The number is outside the accepted range.",
    "not_text": "The text contains characters that are not valid text.",
    "bad_cursor": "The cursor was not given by this list (forged, or from another list).",
    "bad_email": "Not a valid email address.",
    "bad_url": "Not a valid URL, or not a public https link.",
    "bad_date": "Not a valid date or time (ISO 8601), or one without its offset.",
    "bad_format": "The text does not have the expected form.",
}

# Areas: filled in by each feature's section.
ACCOUNTS: dict[str, str] = {
    "email_taken": "An account with this email already exists.",
    "weak_password": "The password is too short or too easy to guess.",
    "wrong_credentials": "Wrong email or password.",
    "wrong_password": "The current password given to confirm a change is wrong.",
    "login_throttled": "Too many failed password attempts; `Retry-After` says when to retry.",
    "block_self": "One cannot block oneself.",
    "not_blocked": "This person is not blocked.",
}
NEIGHBOURHOODS: dict[str, str] = {
    "not_a_member": "Only active members of this neighbourhood can do this.",
    "not_a_moderator": "Only moderators of this neighbourhood can do this.",
    "already_member": "The caller already has a membership (active, pending...) here.",
    "invite_invalid": "The invite code is not valid, was used, or has expired.",
    "invite_required": "This neighbourhood is joined by invitation only.",
    "join_declined": "The caller's request to join was declined; only an invite lets them in.",
    "invite_code_exhausted": "No free invite code could be drawn; try again.",
    "no_membership": "This person has no membership in this neighbourhood.",
    "not_pending": "The membership is not a pending request.",
    "not_active_member": "Only active members can be given a role.",
    "last_moderator": "The last moderator can't leave, step down or delete their account.",
    "use_leave": "To leave, use DELETE /neighbourhoods/{id}/members/me.",
    "moderator_removal": "A moderator must lose their role before being removed.",
}
FEED: dict[str, str] = {
    "moderators_only": "Only the neighbourhood's moderators may do this (pin, post announcements).",
    "not_the_author": "Only the author may edit this.",
    "not_author_or_moderator": "Only the author or a moderator may do this.",
    "post_removed": "A moderator removed this post; it can't be edited.",
    "post_not_published": "Only a published post can be pinned.",
    "comments_closed": "The post is not published, so it takes no comments.",
    "comment_not_published": "Only a published comment can be edited.",
    "reply_to_unknown": "Field: `reply_to` names no comment of this post.",
}
MESSAGES: dict[str, str] = {
    "blocked": "Someone in the conversation has blocked the caller.",
    "no_shared_neighbourhood": "The caller shares no neighbourhood with someone they named.",
    "no_other_participant": "Field: a conversation needs at least one other person.",
    "not_in_conversation": "Field: the message named is not in this conversation.",
    "blank_message": "Field: the message body is empty or only spaces.",
    "one_direction": "Field: `after`, `before` and `latest` exclude each other.",
}
MEALS: dict[str, str] = {
    "not_a_host": "The caller (or the person named) does not host this canteen.",
    "not_host_or_moderator": "Only this canteen's hosts and the moderators may do this.",
    "host_not_a_member": "The person to appoint is not an active member of the neighbourhood.",
    "meal_cancelled": "The meal is cancelled.",
    "meal_over": "The meal has ended.",
    "meal_in_past": "The meal's start time has passed (or, on a field, is not in the future).",
    "meal_started": "The meal has started; a signup can no longer be cancelled by the diner.",
    "not_a_draft": "Only a draft can be published.",
    "signups_closed": "Signups for this meal are closed (not published, or past closing).",
    "already_signed_up": "The caller already has a confirmed or waitlisted signup here.",
    "not_signed_up": "The caller has no (active) signup for this meal.",
    "seats_unavailable": "Field: the party is larger than the pool's seats.",
    "capacity_below_taken": "A pool's capacity can't go below the seats already taken.",
    "pool_capacity_required": "Field: a new pool needs a capacity.",
    "ends_before_start": "Field: `ends_at` must be after `starts_at`.",
    "closes_after_start": "Field: `signup_closes_at` must not be after `starts_at`.",
    "signup_not_confirmed": "Only a confirmed signup can be checked in.",
    "no_show_contribution": "Field: a no-show has no contribution to record.",
    "duplicate_pool": "Field: pool keys must be unique.",
    # Meal series (`neighbours.meals.series`).
    "unsupported_rrule": "Field: not a rule a series can follow (FREQ=WEEKLY, INTERVAL, BYDAY).",
    "nonexistent_local_time": "Field: this local time does not exist on a date of the series "
    "(the hour the clocks skip).",
    "too_many_meals": "Field: the series would hold more meals than allowed (200).",
    "until_or_count": "Field: a series ends with `until` or `count`, not both.",
    "until_before_start": "Field: `until` is before `starts_on`.",
    "not_an_occurrence": "Field: the date is not one of the series' dates.",
    "series_ended": "The series has ended; it can no longer be changed.",
    "too_many_series": "The canteen already runs as many series as allowed (7): end one first.",
    "not_in_series": "Field: `scope: following` is for a meal generated by a series.",
    "series_day_change": "Field: with `scope: following`, times stay on the meal's own date "
    "(the days are the series' `rrule`).",
}
MODERATION: dict[str, str] = {
    "suspended": "The caller is suspended in this neighbourhood: they read, but can't post, "
    "comment, react, message or sign up until it ends.",
    "membership_inactive": "The caller is no longer an active member of the neighbourhood, "
    "so they can't write in it.",
    "already_reported": "The caller has already reported this.",
    "own_content": "Field: nobody can report their own content or themselves.",
    "not_content": "Field: only content (posts, comments, messages) can be hidden or removed.",
    "no_author": "Field: the reported content has no author to warn or suspend.",
    "queue_busy": "The moderation item changed at the same moment; try again.",
}
REALTIME: dict[str, str] = {
    "reserved_event": "A socket event name the Socket.IO protocol keeps for itself.",
    "not_signed_in": "The socket is not signed in (any more): it is cut.",
    "too_many_events": "The socket sends events too fast.",
    "unknown_event": "No such socket event.",
    "one_argument": "Socket events take one argument, an object.",
}
# Why a socket is refused (`connect_error` {message, reason}) or ended (`session:ended`
# {reason}); `unauthorized` and `server_error` are the generic ones above.
SESSIONS: dict[str, str] = {
    "too_many_sockets": "The account already holds as many live connections as allowed.",
    "expired": "The session's token has expired; sign in again.",
    "suspended": "The account is suspended.",
    "logged_out": "The session was logged out.",
    "revoked": "The session was ended (from another session, or by a password change).",
    "deleted": "The account was deleted.",
}
NOTIFICATIONS: dict[str, str] = {}
HTTP: dict[str, str] = {}  # caching, conditional requests

REASONS: dict[str, str] = {
    **GENERIC,
    **FIELDS,
    **ACCOUNTS,
    **NEIGHBOURHOODS,
    **FEED,
    **MESSAGES,
    **MEALS,
    **MODERATION,
    **REALTIME,
    **SESSIONS,
    **NOTIFICATIONS,
    **HTTP,
}

# The reason an error has when it names none, by HTTP status.
BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    431: "headers_too_large",
    500: "server_error",
    503: "unavailable",
}


def for_status(code: int) -> str:
    """The generic reason of an HTTP status (`server_error` for any other 5xx)."""
    if code in BY_STATUS:
        return BY_STATUS[code]
    return "server_error" if code >= 500 else "bad_request"


def check(reason: str) -> str:
    """`reason` if it is listed; a ValueError (a programming error) otherwise."""
    if reason not in REASONS:
        raise ValueError(f"{reason!r} is not a reason listed in neighbours/reasons.py")
    return reason
