"""Who is in a meal's conversation: meals decides (its current hosts and its confirmed diners)
and tells messages, which keeps the participants (`neighbours.messages.services`, by ids).
Messages never imports meals."""

from __future__ import annotations

import logging

from sqlalchemy import select

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import CanteenHost, Meal, MealStatus, Signup, SignupStatus
from neighbours.meals.policies import current_host_ids, current_hosts
from neighbours.messages.services import (
    add_meal_participant,
    leave_meal_conversations,
    meal_conversations_joined,
    sync_meal_conversation,
)

log = logging.getLogger(__name__)


def sync_conversation(meal: Meal) -> None:
    """A published meal's conversation holds its current hosts and its confirmed diners."""
    if meal.status != MealStatus.PUBLISHED:
        return
    db.session.flush()
    diners = db.session.execute(
        select(Signup.user_id).where(
            Signup.meal_id == meal.id, Signup.status == SignupStatus.CONFIRMED
        )
    ).scalars()
    sync_meal_conversation(
        meal.id,
        title=meal.title,
        neighbourhood_id=meal.neighbourhood_id,
        participant_ids=current_host_ids(meal.canteen_id) | set(diners),
    )


def join_diner(meal_id: int, canteen_id: int, user_id: int) -> None:
    """After a signup committed confirmed: the diner joins the meal's conversation, in a
    transaction of its own, so the seats' lock is not held for it.

    The signup's row is read FOR SHARE: a cancellation or a meal's cancellation that changes it
    meanwhile waits for this one (then takes them out of the conversation) or came first (then
    they don't join); then the conversation's row lock, which every sync of its people takes
    (in that order: signups, then the conversation). If this transaction never runs (the
    process died), the next sync of the meal's conversation puts them in. A meal without a
    conversation yet is synced whole, under the meal's lock, as any change to its diners is.
    """
    try:
        still = db.session.execute(
            select(Signup.id)
            .where(
                Signup.meal_id == meal_id,
                Signup.user_id == user_id,
                Signup.status == SignupStatus.CONFIRMED,
            )
            .with_for_update(read=True)
        ).first()
        if still is not None and not add_meal_participant(meal_id, user_id):
            # No conversation yet: let go of the signup's row (a change to the diners, which
            # locks the meal first, may be waiting for it), then sync under the meal's lock.
            db.session.rollback()
            meal = db.session.execute(
                select(Meal).where(Meal.id == meal_id).with_for_update()
            ).scalar_one()
            sync_conversation(meal)
        db.session.commit()
    except Exception:
        # The seat is taken and committed: the answer stays a success, and the next sync of
        # the meal's conversation repairs it.
        db.session.rollback()
        log.exception("diner %s not added to the conversation of meal %s", user_id, meal_id)


def sync_conversations_of_canteen(canteen_id: int) -> None:
    """Hosts are always in the conversations of their canteen's upcoming meals."""
    db.session.flush()
    upcoming = db.session.execute(
        select(Meal).where(
            Meal.canteen_id == canteen_id,
            Meal.status == MealStatus.PUBLISHED,
            Meal.ends_at > utcnow(),
        )
    ).scalars()
    for meal in upcoming:
        sync_conversation(meal)


def leave_host_conversations(user_id: int) -> None:
    """After someone stopped hosting: they stay in a meal's conversation only where they still
    host its canteen or dine."""
    db.session.flush()
    meal_ids = meal_conversations_joined(user_id)
    if not meal_ids:
        return
    canteens = dict(
        db.session.execute(select(Meal.id, Meal.canteen_id).where(Meal.id.in_(meal_ids))).all()
    )
    hosted = current_hosts(with_suspended=True).where(CanteenHost.user_id == user_id).subquery()
    hosting = set(db.session.execute(select(hosted.c.canteen_id)).scalars())
    dining = set(
        db.session.execute(
            select(Signup.meal_id).where(
                Signup.user_id == user_id,
                Signup.status == SignupStatus.CONFIRMED,
                Signup.meal_id.in_(meal_ids),
            )
        ).scalars()
    )
    leave_meal_conversations(
        user_id,
        [m for m in meal_ids if canteens.get(m) not in hosting and m not in dining],
    )
