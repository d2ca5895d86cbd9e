"""Calendar routes: a meal's `.ics`, and a person's secret feed (made and revoked on `/me`)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, request, url_for
from flask_smorest import Blueprint

from neighbours.auth import current_user, hash_token, login_required
from neighbours.errors import ErrorSchema, NotFound
from neighbours.extensions import limiter
from neighbours.fields import UTCDateTime
from neighbours.meals import calendar_feed

blp = Blueprint(
    "calendars",
    __name__,
    description="Meals in calendar apps: iCalendar (RFC 5545) files and a personal feed",
)

ICALENDAR = "text/calendar"
_ICS = {"type": "string", "description": "an iCalendar (RFC 5545) document"}


class CalendarFeedSchema(ma.Schema):
    active = ma.fields.Boolean(required=True, metadata={"description": "whether I have a feed"})
    created_at = UTCDateTime(
        allow_none=True, metadata={"description": "when its current URL was made"}
    )
    url = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "the feed's secret URL: shown once, when made (only its hash is "
            "kept); subscribe to it from a calendar app. Null otherwise"
        },
    )
    webcal_url = ma.fields.String(
        allow_none=True, metadata={"description": "the same as `webcal://`, for Apple calendars"}
    )


def _ics(body: bytes, filename: str, language: str | None = None) -> Response:
    response = Response(body, mimetype=ICALENDAR)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    if language:
        response.headers["Content-Language"] = language
    return response


@blp.route("/meals/<int:meal_id>.ics", methods=["GET"])
@login_required
@blp.response(200, _ICS, content_type=ICALENDAR)
def meal_ics(meal_id: int) -> Response:
    """The meal as an iCalendar file, to add to a calendar: a stable `UID`, a `SEQUENCE` raised
    by every change, `STATUS:CANCELLED` once cancelled, the canteen's time zone and address
    (members, as `GET /meals/{id}`)."""
    return _ics(calendar_feed.meal_calendar(current_user(), meal_id), f"meal-{meal_id}.ics")


def _feed_url(secret: str) -> tuple[str, str]:
    url = url_for("calendars.feed", secret=secret, _external=True)
    return url, "webcal://" + url.split("://", 1)[1]


@blp.route("/me/calendar-feed", methods=["GET"])
@login_required
@blp.response(200, CalendarFeedSchema)
def get_feed() -> Any:
    """Whether I have a calendar feed, and since when (its URL is not kept)."""
    return calendar_feed.feed_status(current_user())


@blp.route("/me/calendar-feed", methods=["POST"])
@login_required
@blp.response(201, CalendarFeedSchema)
def new_feed() -> Any:
    """Make my calendar feed's secret URL, or a new one (the former stops working). The URL is
    in this answer only: it works without a token, for Google and Apple calendars."""
    secret, status = calendar_feed.new_feed(current_user())
    status.url, status.webcal_url = _feed_url(secret)
    return status


@blp.route("/me/calendar-feed", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_feed() -> None:
    """Revoke my calendar feed: its URL stops working at once."""
    calendar_feed.revoke_feed(current_user())


def _feed_key() -> str:
    """One allowance per feed (calendar services fetch many people's feeds from few
    addresses, so not per address)."""
    secret = (request.view_args or {}).get("secret", "")
    return "calendar-feed:" + hash_token(str(secret))[:32]


@blp.route("/calendar/<secret>.ics", methods=["GET"])
@limiter.limit(lambda: current_app.config["RATELIMIT_CALENDAR_FEED"], key_func=_feed_key)
@blp.response(200, _ICS, content_type=ICALENDAR)
@blp.alt_response(
    404, schema=ErrorSchema, description="No feed has this secret (wrong, rotated or revoked)"
)
@blp.alt_response(
    429, schema=ErrorSchema, description="This feed is fetched too often; see Retry-After"
)
def feed(secret: str) -> Response:
    """A person's upcoming meals as a calendar to subscribe to, at the secret URL of
    `POST /me/calendar-feed`: no bearer token. Their signups (waitlisted ones `TENTATIVE`) and
    the meals they host; nothing about anyone else."""
    owner = calendar_feed.feed_owner(secret)
    if owner is None:
        raise NotFound()
    body, language = calendar_feed.feed_calendar(owner)
    return _ics(body, "meals.ics", language)
