"""Who may see and do what with canteens and meals."""

from __future__ import annotations

from sqlalchemy import exists, select

from neighbours.accounts.models import User
from neighbours.errors import Forbidden, NotFound
from neighbours.extensions import db
from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, Signup
from neighbours.neighbourhoods import policies as neighbourhood_policies


def is_member(user: User, neighbourhood_id: int) -> bool:
    return (
        user.is_admin
        or neighbourhood_policies.active_membership(user, neighbourhood_id) is not None
    )


def is_host(user: User, canteen_id: int) -> bool:
    if user.is_admin:
        return True
    return bool(
        db.session.execute(
            select(
                exists().where(CanteenHost.canteen_id == canteen_id, CanteenHost.user_id == user.id)
            )
        ).scalar()
    )


def visible_canteen(user: User, canteen_id: int) -> Canteen:
    """A canteen is visible to active members of its neighbourhood; 404 to everyone else."""
    canteen = db.session.get(Canteen, canteen_id)
    if canteen is None or not is_member(user, canteen.neighbourhood_id):
        raise NotFound("No such canteen.")
    return canteen


def require_canteen_manager(user: User, canteen: Canteen) -> None:
    """Editing a canteen: its hosts and the neighbourhood's moderators."""
    if not (
        is_host(user, canteen.id)
        or neighbourhood_policies.is_moderator(user, canteen.neighbourhood_id)
    ):
        raise Forbidden("Only this canteen's hosts and the moderators can do this.")


def require_host(user: User, canteen_id: int) -> None:
    if not is_host(user, canteen_id):
        raise Forbidden("Only this canteen's hosts can do this.")


def visible_meal(user: User, meal_id: int) -> Meal:
    """Members see published, cancelled and past meals; drafts only the canteen's hosts."""
    meal = db.session.get(Meal, meal_id)
    if meal is None or not is_member(user, meal.neighbourhood_id):
        raise NotFound("No such meal.")
    if meal.status == MealStatus.DRAFT and not is_host(user, meal.canteen_id):
        raise NotFound("No such meal.")
    return meal


def hosted_meal(user: User, meal_id: int) -> Meal:
    """A meal the caller hosts: 404 if they can't see it, 403 if they can but don't host it."""
    meal = visible_meal(user, meal_id)
    require_host(user, meal.canteen_id)
    return meal


def require_can_sign_up(user: User, meal: Meal) -> None:
    if not neighbourhood_policies.can_write(user, meal.neighbourhood_id):
        raise Forbidden("You can't sign up for meals in this neighbourhood right now.")


def hosted_signup(user: User, signup_id: int) -> Signup:
    signup = db.session.get(Signup, signup_id)
    if signup is None:
        raise NotFound("No such signup.")
    hosted_meal(user, signup.meal_id)
    return signup
