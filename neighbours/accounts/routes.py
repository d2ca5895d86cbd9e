"""Account, session and profile routes."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint

from neighbours.accounts import export, guard, services
from neighbours.accounts.badges import badges
from neighbours.accounts.schemas import (
    BadgesSchema,
    BlockedPageSchema,
    BlockListArgs,
    ExportSchema,
    LoginResultSchema,
    LoginSchema,
    PasswordChangeSchema,
    PasswordSchema,
    PrivateUserSchema,
    ProfileUpdateSchema,
    PublicUserSchema,
    RegisterSchema,
    RevokedSchema,
    SessionListSchema,
)
from neighbours.auth import caller_limit_key, current_token, current_user, login_required
from neighbours.errors import Unauthorized
from neighbours.extensions import limiter

blp = Blueprint("accounts", __name__, description="Accounts, sessions and profiles")


@blp.route("/auth/register", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
@blp.arguments(RegisterSchema)
@blp.response(201, PrivateUserSchema)
@blp.alt_response(409, description="An account with this email already exists")
def register(data: dict) -> object:
    """Create an account."""
    user = services.register(data["email"], data["password"], data["display_name"])
    return services.private_view(user)


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
@blp.alt_response(401, description="Wrong email or password (the same for both)")
@blp.alt_response(
    429,
    description="Too many failed logins from this address, for this account from this "
    "address, or for this account overall; see Retry-After",
)
def login(data: dict) -> dict:
    """Log in; returns a bearer token. Only failed attempts count towards the limits."""
    with guard.guarded(guard.login_budgets(data["email"]), failures=(Unauthorized,)):
        token, row = services.login(
            data["email"],
            data["password"],
            user_agent=request.headers.get("User-Agent"),
            ip=request.remote_addr,
        )
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_at": row.expires_at,
        "user": services.private_view(row.user),
    }


@blp.route("/auth/logout", methods=["POST"])
@login_required
@blp.response(204)
def logout() -> None:
    """Log out: the token stops working at once and its sockets are disconnected."""
    token = current_token()
    assert token is not None
    services.logout(token)


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, PrivateUserSchema)
def get_me() -> object:
    """My private profile."""
    return services.private_view(current_user())


@blp.route("/me/badges", methods=["GET"])
@login_required
@blp.response(200, BadgesSchema)
def get_badges() -> dict:
    """My unread totals (notifications, messages), as on `GET /me`; kept current live by
    `badges:updated`."""
    return badges(current_user().id)


@blp.route("/me", methods=["PATCH"])
@login_required
@blp.arguments(ProfileUpdateSchema)
@blp.response(200, PrivateUserSchema)
def patch_me(data: dict) -> object:
    """Update my profile (display name, bio, avatar, languages, dietary needs)."""
    user = services.update_profile(current_user(), data)
    return services.private_view(user)


@blp.route("/me", methods=["DELETE"])
@login_required
@blp.arguments(PasswordSchema)
@blp.response(204)
@blp.alt_response(429, description="Too many wrong passwords for this account; see Retry-After")
def delete_me(data: dict) -> None:
    """Delete my account: anonymised, sessions and sockets ended.

    Wrong passwords count towards a per-account limit shared with `POST /me/password`.
    """
    user = current_user()
    with guard.guarded(guard.password_budgets(user.id), failures=(guard.WrongPassword,)):
        services.delete_account(user, data["password"])


def _exported(response: Response) -> bool:
    return response.status_code == 200


@blp.route("/me/export", methods=["GET"])
@login_required
@limiter.limit(
    lambda: current_app.config["RATELIMIT_EXPORT"], key_func=caller_limit_key, deduct_when=_exported
)
@blp.response(200, ExportSchema)
@blp.alt_response(429, description="One export an hour; see Retry-After")
def export_me() -> dict:
    """Everything stored about me, as JSON."""
    return export.export(current_user())


@blp.route("/me/blocks", methods=["GET"])
@login_required
@blp.arguments(BlockListArgs, location="query")
@blp.response(200, BlockedPageSchema)
def list_blocks(args: dict) -> object:
    """The people I have blocked."""
    return services.list_blocks(current_user(), **args)


@blp.route("/users/<int:user_id>", methods=["GET"])
@login_required
@blp.response(200, PublicUserSchema)
def get_user(user_id: int) -> object:
    """A neighbour's public profile (only people who share a neighbourhood with me)."""
    return services.visible_user(current_user(), user_id)


@blp.route("/users/<int:user_id>/block", methods=["POST"])
@login_required
@blp.response(204)
def block_user(user_id: int) -> None:
    """Block a user: they can't message me and I stop seeing their posts. Idempotent."""
    services.block(current_user(), user_id)


@blp.route("/users/<int:user_id>/block", methods=["DELETE"])
@login_required
@blp.response(204)
def unblock_user(user_id: int) -> None:
    """Unblock a user."""
    services.unblock(current_user(), user_id)


@blp.route("/me/sessions", methods=["GET"])
@login_required
@blp.response(200, SessionListSchema)
def list_sessions() -> dict:
    """My sessions that still work (never their tokens)."""
    token = current_token()
    sessions = services.active_sessions(current_user())
    fields = ("id", "created_at", "expires_at", "user_agent", "ip")
    return {
        "items": [
            {
                **{f: getattr(s, f) for f in fields},
                "current": token is not None and s.id == token.id,
            }
            for s in sessions
        ]
    }


@blp.route("/me/sessions/<int:session_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_session(session_id: int) -> None:
    """End one of my sessions: its token stops working and its sockets are cut."""
    services.revoke_session(current_user(), session_id)


@blp.route("/me/sessions", methods=["DELETE"])
@login_required
@blp.response(200, RevokedSchema)
def revoke_other_sessions() -> dict:
    """End every session but this one (log out everywhere else)."""
    return {"revoked": services.revoke_other_sessions(current_user(), current_token())}


@blp.route("/me/password", methods=["POST"])
@login_required
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
@blp.alt_response(429, description="Too many wrong passwords for this account; see Retry-After")
def change_password(data: dict) -> None:
    """Change my password; every other session ends.

    Wrong current passwords count towards a per-account limit shared with `DELETE /me`.
    """
    user = current_user()
    with guard.guarded(guard.password_budgets(user.id), failures=(guard.WrongPassword,)):
        services.change_password(
            user, data["current_password"], data["new_password"], keep=current_token()
        )
