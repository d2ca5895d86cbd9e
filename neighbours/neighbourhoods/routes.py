"""Neighbourhood routes."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.extensions import limiter
from neighbours.neighbourhoods import services
from neighbours.neighbourhoods.schemas import (
    InviteSchema,
    JoinSchema,
    MemberListArgs,
    MemberPageSchema,
    MembershipSchema,
    NeighbourhoodCreateSchema,
    NeighbourhoodDetailSchema,
    NeighbourhoodListArgs,
    NeighbourhoodPageSchema,
    RoleChangeSchema,
)

blp = Blueprint("neighbourhoods", __name__, description="Neighbourhoods and membership")


@blp.route("/neighbourhoods", methods=["POST"])
@login_required
@blp.arguments(NeighbourhoodCreateSchema)
@blp.response(201, NeighbourhoodDetailSchema)
def create_neighbourhood(data: dict) -> object:
    """Create a neighbourhood; I become its first moderator."""
    return services.create_neighbourhood(current_user(), data)


@blp.route("/neighbourhoods", methods=["GET"])
@login_required
@blp.arguments(NeighbourhoodListArgs, location="query")
@blp.response(200, NeighbourhoodPageSchema)
def list_neighbourhoods(args: dict) -> object:
    """Find neighbourhoods: nearest first with `near=lat,lon`, by name otherwise; `q` filters."""
    return services.list_neighbourhoods(**args)


@blp.route("/neighbourhoods/<int:neighbourhood_id>", methods=["GET"])
@login_required
@blp.response(200, NeighbourhoodDetailSchema)
def get_neighbourhood(neighbourhood_id: int) -> object:
    """A neighbourhood's public information, member count and my membership."""
    return services.get_neighbourhood_view(current_user(), neighbourhood_id)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/join", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_JOIN"])
@blp.arguments(JoinSchema, required=False)
@blp.response(201, MembershipSchema)
@blp.alt_response(409, description="Already a member or pending, or declined")
def join(data: dict, neighbourhood_id: int) -> object:
    """Join: active at once (open, or with an invite code) or pending approval."""
    return services.join(current_user(), neighbourhood_id, **data)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/invites", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_INVITES"])
@blp.response(201, InviteSchema)
def create_invite(neighbourhood_id: int) -> object:
    """Create a single-use, expiring 6-character invite code (moderators)."""
    return services.create_invite(current_user(), neighbourhood_id)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/members", methods=["GET"])
@login_required
@blp.arguments(MemberListArgs, location="query")
@blp.response(200, MemberPageSchema)
def list_members(args: dict, neighbourhood_id: int) -> object:
    """Members and their roles; moderators may list pending requests."""
    return services.list_members(current_user(), neighbourhood_id, **args)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/members/<int:user_id>/approve", methods=["POST"])
@login_required
@blp.response(200, MembershipSchema)
def approve(neighbourhood_id: int, user_id: int) -> object:
    """Approve a pending request to join (moderators)."""
    return services.decide_request(current_user(), neighbourhood_id, user_id, approve=True)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/members/<int:user_id>/decline", methods=["POST"])
@login_required
@blp.response(200, MembershipSchema)
def decline(neighbourhood_id: int, user_id: int) -> object:
    """Decline a pending request to join (moderators)."""
    return services.decide_request(current_user(), neighbourhood_id, user_id, approve=False)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/members/<int:user_id>", methods=["PATCH"])
@login_required
@blp.arguments(RoleChangeSchema)
@blp.response(200, MembershipSchema)
def change_role(data: dict, neighbourhood_id: int, user_id: int) -> object:
    """Change a member's role: member, host or moderator (moderators).

    Setting `member` ends their hosting of this neighbourhood's canteens (appointments are
    deleted, they leave those meals' conversations); `host` alone appoints no canteen."""
    return services.change_role(current_user(), neighbourhood_id, user_id, data["role"])


@blp.route("/neighbourhoods/<int:neighbourhood_id>/members/me", methods=["DELETE"])
@login_required
@blp.response(204)
def leave(neighbourhood_id: int) -> None:
    """Leave a neighbourhood (or withdraw a pending request).

    My signups for its meals yet to start are cancelled (the seats go to the waitlist) and my
    hosting there ends: rejoining doesn't restore it."""
    services.leave(current_user(), neighbourhood_id)


@blp.route("/neighbourhoods/<int:neighbourhood_id>/members/<int:user_id>", methods=["DELETE"])
@login_required
@blp.response(204)
@blp.alt_response(409, description="A moderator (change their role first), or yourself")
def remove_member(neighbourhood_id: int, user_id: int) -> None:
    """Remove a member or a pending request (moderators).

    As when they leave: their signups for meals yet to start are cancelled (the seats go to
    the waitlist), their hosting ends and their sockets leave the neighbourhood's rooms."""
    services.remove_member(current_user(), neighbourhood_id, user_id)
