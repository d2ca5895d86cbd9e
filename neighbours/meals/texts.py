"""Messages that name a meal's or a signup's status.

One whole sentence per status rather than an English status value inside a sentence, so that
the French message is all French and its adjectives agree ("ce repas est annulé", "cette
inscription est annulée").
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

SIGNUPS_CLOSED_BECAUSE: dict[str, Any] = {
    "draft": _l("This meal is a draft; signups are closed."),
    "cancelled": _l("This meal is cancelled; signups are closed."),
}
SIGNUPS_CLOSED = _l("Signups for this meal have closed.")

NOT_A_DRAFT_BECAUSE: dict[str, Any] = {
    "published": _l("Only a draft can be published; this meal is already published."),
    "cancelled": _l("Only a draft can be published; this meal is cancelled."),
}
NOT_A_DRAFT = _l("Only a draft can be published.")

ALREADY_ENDED_BECAUSE: dict[str, Any] = {
    "cancelled": _l("This meal is already cancelled."),
    "done": _l("This meal is already over."),
}
ALREADY_ENDED = _l("This meal can no longer be cancelled.")

NOT_CONFIRMED_BECAUSE: dict[str, Any] = {
    "waitlisted": _l("Only confirmed diners can be checked in; this signup is on the waitlist."),
    "cancelled": _l("Only confirmed diners can be checked in; this signup is cancelled."),
}
NOT_CONFIRMED = _l("Only confirmed diners can be checked in.")


def because(messages: dict[str, Any], status: Any, default: Any) -> Any:
    """The message for this status (an enum or its value), else `default`."""
    return messages.get(getattr(status, "value", status), default)
