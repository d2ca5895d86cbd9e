"""Account and profile schemas."""

import re
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from neighbours.accounts.urls import public_https_problem
from neighbours.dietary import DIETS, EU_ALLERGENS
from neighbours.fields import UTCDateTime
from neighbours.i18n import template
from neighbours.pagination import PageArgs, page_schema

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def _trimmed(min_len: int, max_len: int, **kwargs: object) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(min=min_len, max=max_len), **kwargs)


class TrimmedSchema(ma.Schema):
    """Strips surrounding white space from every string input before validation.

    A string longer than its field's maximum is left as sent, so it is refused as the document
    says (`maxLength` counts what the client sends), white space or not.
    """

    def _max_length(self, name: str) -> float:
        field = self.fields.get(name)
        limits = [
            v.max
            for v in getattr(field, "validators", [])
            if isinstance(v, ma.validate.Length) and v.max is not None
        ]
        return min(limits, default=float("inf"))

    @ma.pre_load
    def _strip(self, data: object, **_kwargs: object) -> object:
        if isinstance(data, dict):
            return {
                k: v.strip() if isinstance(v, str) and len(v) <= self._max_length(k) else v
                for k, v in data.items()
            }
        return data


_UNKNOWN_DIET = template("not_one_of", _l("Unknown diet '{input}'; one of: {choices}."))
_UNKNOWN_ALLERGEN = template(
    "not_one_of", _l("Unknown allergen '{input}'; the EU 14 are: {choices}.")
)
_NOT_A_LANGUAGE = template("bad_format", _l("Not a language code such as fr or ar."))


class DietarySchema(ma.Schema):
    diets = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(DIETS, error=_UNKNOWN_DIET)),
        validate=ma.validate.Length(max=len(DIETS)),
        metadata={"description": f"any of: {', '.join(DIETS)}"},
    )
    allergens = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EU_ALLERGENS, error=_UNKNOWN_ALLERGEN)),
        validate=ma.validate.Length(max=len(EU_ALLERGENS)),
        metadata={"description": f"the EU 14: {', '.join(EU_ALLERGENS)}"},
    )

    @ma.post_load
    def _dedupe(self, data: dict, **_kwargs: object) -> dict:
        return {k: list(dict.fromkeys(v)) for k, v in data.items()}


class RegisterSchema(TrimmedSchema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=12, max=128),
        load_only=True,
        metadata={"description": "at least 12 characters, not common or easily guessed"},
    )
    display_name = _trimmed(1, 60, required=True)


class LoginSchema(TrimmedSchema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=254))
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=128)
    )


class MembershipBriefSchema(ma.Schema):
    neighbourhood_id = ma.fields.Integer()
    neighbourhood_name = ma.fields.Function(lambda m: m.neighbourhood.name)
    role = ma.fields.Function(lambda m: m.role.value)
    status = ma.fields.Function(lambda m: m.status.value)


class PersonSchema(ma.Schema):
    """A person as embedded in anything else (an author, a sender, a diner, a notification's
    actor): always these three fields, named so, everywhere."""

    id = ma.fields.Integer(required=True)
    display_name = ma.fields.String(required=True)
    avatar_url = ma.fields.String(required=True, allow_none=True)


def person(user: Any) -> dict[str, Any]:
    """The embedded shape of a user (anything with id, display_name and avatar_url)."""
    return {"id": user.id, "display_name": user.display_name, "avatar_url": user.avatar_url}


class BadgesSchema(ma.Schema):
    """The unread totals shown on an app's tabs (`GET /me/badges`, the `badges:updated`
    event). Declared here, where `/me` needs it; `neighbours.notifications.schemas` re-exports
    it for the event."""

    unread_notifications = ma.fields.Integer(required=True)
    unread_messages = ma.fields.Integer(required=True)


class PublicUserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    bio = ma.fields.String(dump_only=True, allow_none=True)
    avatar_url = ma.fields.String(dump_only=True, allow_none=True)
    languages = ma.fields.List(ma.fields.String(), dump_only=True)


_LOCALE_HELP = (
    "The language the API answers in (messages, notification texts): `en` or `fr`; null: "
    "the request's `Accept-Language`, then the server's default."
)


class PrivateUserSchema(PublicUserSchema):
    email = ma.fields.String(dump_only=True)
    locale = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": _LOCALE_HELP}
    )
    dietary = ma.fields.Nested(DietarySchema, dump_only=True)
    memberships = ma.fields.List(ma.fields.Nested(MembershipBriefSchema), dump_only=True)
    badges = ma.fields.Nested(
        BadgesSchema, dump_only=True, metadata={"description": "as `GET /me/badges`"}
    )
    created_at = UTCDateTime(dump_only=True)


def _public_https(value: str) -> None:
    problem = public_https_problem(value)
    if problem is not None:
        raise ma.ValidationError(problem)


class ProfileUpdateSchema(TrimmedSchema):
    display_name = _trimmed(1, 60)
    bio = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))
    avatar_url = ma.fields.URL(
        allow_none=True,
        schemes={"https"},
        validate=[ma.validate.Length(max=500), _public_https],
        metadata={"description": "An https link to a public host (no private addresses)."},
    )
    languages = ma.fields.List(
        ma.fields.String(validate=ma.validate.Regexp(LANGUAGE, error=_NOT_A_LANGUAGE)),
        validate=ma.validate.Length(max=10),
    )
    dietary = ma.fields.Nested(DietarySchema)
    locale = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf(["en", "fr"]),
        metadata={"description": _LOCALE_HELP},
    )


class LoginResultSchema(ma.Schema):
    access_token = ma.fields.String()
    token_type = ma.fields.String()
    expires_at = UTCDateTime()
    user = ma.fields.Nested(PrivateUserSchema)


class PasswordSchema(ma.Schema):
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=128)
    )


class BlockedUserSchema(ma.Schema):
    user = ma.fields.Nested(PersonSchema)
    created_at = UTCDateTime()


BlockedPageSchema = page_schema(BlockedUserSchema, "BlockedUserPage")


class ExportSchema(ma.Schema):
    """The whole of what is stored about the caller; sections are added by each feature."""

    exported_at = ma.fields.String()
    profile = ma.fields.Raw(metadata={"description": "the private profile, as `GET /me`"})
    memberships = ma.fields.List(ma.fields.Raw())
    sessions = ma.fields.List(ma.fields.Raw(), metadata={"description": "never the tokens"})
    blocked_users = ma.fields.List(ma.fields.Raw())
    notifications = ma.fields.List(ma.fields.Raw())
    posts = ma.fields.List(ma.fields.Raw())
    comments = ma.fields.List(ma.fields.Raw())
    reactions = ma.fields.List(ma.fields.Raw())
    signups = ma.fields.List(ma.fields.Raw())
    conversations = ma.fields.List(ma.fields.Raw())
    messages = ma.fields.List(ma.fields.Raw(), metadata={"description": "messages I wrote"})
    reports = ma.fields.List(ma.fields.Raw(), metadata={"description": "reports I made"})
    calendar_feeds = ma.fields.List(
        ma.fields.Raw(), metadata={"description": "my calendar feed, if on (never its secret)"}
    )

    @ma.post_dump(pass_original=True)
    def _keep_every_section(self, data: dict, original: dict, **_kwargs: object) -> dict:
        # `unknown` only applies to loading: without this, a section a feature adds to the
        # export but not to this schema would be silently dropped from the answer.
        return {**original, **data}


BlockListArgs = PageArgs


class SessionSchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = UTCDateTime()
    expires_at = UTCDateTime()
    user_agent = ma.fields.String(allow_none=True)
    ip = ma.fields.String(allow_none=True)
    current = ma.fields.Boolean(metadata={"description": "the session making this request"})


class SessionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SessionSchema))


class RevokedSchema(ma.Schema):
    revoked = ma.fields.Integer()


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=128)
    )
    new_password = ma.fields.String(
        required=True,
        load_only=True,
        validate=ma.validate.Length(min=12, max=128),
        metadata={"description": "at least 12 characters, not common or easily guessed"},
    )
