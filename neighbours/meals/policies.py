"""Who may see and do what with canteens and meals."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, select

from neighbours.accounts.models import User
from neighbours.errors import Forbidden, NotFound
from neighbours.extensions import db
from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, Signup
from neighbours.moderation.policies import refuse_writing
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.models import (
    HOSTING_ROLES,
    Membership,
    MembershipStatus,
    Suspension,
)


def is_member(user: User, neighbourhood_id: int) -> bool:
    return (
        user.is_admin
        or neighbourhood_policies.active_membership(user, neighbourhood_id) is not None
    )


def current_hosts(*, with_suspended: bool = False, now: Any = None) -> Select[tuple[int, int]]:
    """(canteen_id, user_id) of every current host: THE one definition of hosting.

    A host is someone appointed to the canteen (a `CanteenHost` row) who is, right now, an
    active member of the canteen's neighbourhood with a role that may host. Every host power
    (policies below), the hosts listed in responses and the hosts put in meal conversations
    come from this query, so a host who was demoted, left or was removed has no power even if
    an appointment row were left behind. Ending a membership or the host role also deletes the
    appointments (`meals.services.end_hosting`), so rejoining never restores them: a moderator
    has to appoint the person again. A suspension doesn't end the appointment (it is
    temporary and ends without any event) but suspends every host power while it is in force:
    `with_suspended=True` lists the appointed hosts whatever their suspension (the hosts shown
    on a canteen, the members of its meals' conversations), the default those who may act now
    (at `now`, a moment or a bind parameter, for a statement built once and run again).
    """
    query = (
        select(CanteenHost.canteen_id, CanteenHost.user_id)
        .join(Canteen, Canteen.id == CanteenHost.canteen_id)
        .join(
            Membership,
            and_(
                Membership.neighbourhood_id == Canteen.neighbourhood_id,
                Membership.user_id == CanteenHost.user_id,
            ),
        )
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(HOSTING_ROLES),
        )
    )
    if with_suspended:
        return query
    return query.where(
        ~exists().where(
            Suspension.user_id == CanteenHost.user_id,
            Suspension.neighbourhood_id == Canteen.neighbourhood_id,
            neighbourhood_policies.suspension_in_force(now),
        )
    )


def current_host_ids(canteen_id: int) -> set[int]:
    """The ids of the canteen's appointed hosts, suspended or not (see `current_hosts`)."""
    hosts = current_hosts(with_suspended=True).where(CanteenHost.canteen_id == canteen_id)
    hosts = hosts.subquery()
    return set(db.session.execute(select(hosts.c.user_id)).scalars())


def is_host(user: User, canteen_id: int) -> bool:
    """Whether the caller currently hosts the canteen (site admins do everywhere)."""
    if user.is_admin:
        return True
    hosting = current_hosts().where(
        CanteenHost.canteen_id == canteen_id, CanteenHost.user_id == user.id
    )
    return bool(db.session.execute(select(hosting.exists())).scalar())


def hosted_canteens(user: User, canteen_ids: list[int]) -> set[int]:
    """Of these canteens, those the caller hosts now (`is_host` for several, in one query)."""
    if not canteen_ids:
        return set()
    if user.is_admin:
        return set(canteen_ids)
    hosting = (
        current_hosts()
        .where(CanteenHost.canteen_id.in_(canteen_ids), CanteenHost.user_id == user.id)
        .subquery()
    )
    return set(db.session.execute(select(hosting.c.canteen_id)).scalars())


def visible_canteen(user: User, canteen_id: int) -> Canteen:
    """A canteen is visible to active members of its neighbourhood; 404 to everyone else."""
    canteen = db.session.get(Canteen, canteen_id)
    if canteen is None or not is_member(user, canteen.neighbourhood_id):
        raise NotFound()
    return canteen


def require_canteen_manager(user: User, canteen: Canteen) -> None:
    """Editing a canteen: its hosts and the neighbourhood's moderators."""
    if not (
        is_host(user, canteen.id)
        or neighbourhood_policies.is_moderator(user, canteen.neighbourhood_id)
    ):
        raise Forbidden(
            _l("Only this canteen's hosts and the moderators can do this."),
            reason="not_host_or_moderator",
        )


def require_host(user: User, canteen_id: int) -> None:
    if not is_host(user, canteen_id):
        raise Forbidden(_l("Only this canteen's hosts can do this."), reason="not_a_host")


def visible_meal(user: User, meal_id: int) -> Meal:
    """Members see published, cancelled and past meals; drafts only the canteen's hosts."""
    meal = db.session.get(Meal, meal_id)
    if meal is None or not is_member(user, meal.neighbourhood_id):
        raise NotFound()
    if meal.status == MealStatus.DRAFT and not is_host(user, meal.canteen_id):
        raise NotFound()
    return meal


def hosted_meal(user: User, meal_id: int) -> Meal:
    """A meal the caller hosts: 404 if they can't see it, 403 if they can but don't host it."""
    meal = visible_meal(user, meal_id)
    require_host(user, meal.canteen_id)
    return meal


def require_can_sign_up(user: User, meal: Meal) -> None:
    if not neighbourhood_policies.can_write(user, meal.neighbourhood_id):
        raise refuse_writing(
            user,
            meal.neighbourhood_id,
            _l("You can't sign up for meals in this neighbourhood right now."),
        )


def hosted_signup(user: User, signup_id: int) -> Signup:
    signup = db.session.get(Signup, signup_id)
    if signup is None:
        raise NotFound()
    hosted_meal(user, signup.meal_id)
    return signup


def still_watchable(user_id: int, meal_ids: list[int]) -> set[int]:
    """Of the meals a socket watches, those its user may still see, for the room sync.

    Membership of the meal's neighbourhood is the caller's check; here, drafts need a
    current host of their canteen (or a site admin), as in `visible_meal`.
    """
    if not meal_ids:
        return set()
    user = db.session.get(User, user_id)
    if user is None:
        return set()
    if user.is_admin:
        return set(meal_ids)
    hosted = current_hosts().where(CanteenHost.user_id == user_id).subquery()
    return set(
        db.session.execute(
            select(Meal.id).where(
                Meal.id.in_(meal_ids),
                (Meal.status != MealStatus.DRAFT)
                | Meal.canteen_id.in_(select(hosted.c.canteen_id)),
            )
        ).scalars()
    )


# Where what a path names lives, for the token query of a request about it
# (`neighbourhoods.prefetch`: the caller's membership there comes with their token).


def neighbourhood_of_meal(meal_id: ColumnElement[int]) -> ColumnElement[Any]:
    return select(Meal.neighbourhood_id).where(Meal.id == meal_id).scalar_subquery()


def neighbourhood_of_canteen(canteen_id: ColumnElement[int]) -> ColumnElement[Any]:
    return select(Canteen.neighbourhood_id).where(Canteen.id == canteen_id).scalar_subquery()


def neighbourhood_of_signup(signup_id: ColumnElement[int]) -> ColumnElement[Any]:
    return (
        select(Meal.neighbourhood_id)
        .join(Signup, Signup.meal_id == Meal.id)
        .where(Signup.id == signup_id)
        .scalar_subquery()
    )
