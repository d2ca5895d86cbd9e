"""Tools for a meal's hosts: the signup list with dietary needs, check-in, the summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.dietary import DIETS, EU_ALLERGENS
from neighbours.errors import Conflict, Invalid
from neighbours.extensions import db
from neighbours.meals import policies, texts
from neighbours.meals.models import (
    Attendance,
    Meal,
    MealStatus,
    Signup,
    SignupStatus,
)
from neighbours.meals.views import (
    MealView,
    SignupView,
    availability,
    effective_status,
    meal_view,
    pools_of,
    waitlist_counts,
)
from neighbours.pagination import SortKey, paginate


@dataclass
class HostSignupPage:
    items: list[SignupView]
    next_cursor: str | None
    summary: dict[str, Any]
    # The meal itself on the first page: the host's check-in screen in one request.
    meal: MealView | None = None


def dietary_summary(meal_id: int) -> dict[str, Any]:
    """Diets and allergens among confirmed diners, for the cooks."""
    rows = db.session.execute(
        select(Signup.party_size, User.diets, User.allergens)
        .join(User, User.id == Signup.user_id)
        .where(Signup.meal_id == meal_id, Signup.status == SignupStatus.CONFIRMED)
    ).all()
    diets: Counter[str] = Counter()
    allergens: Counter[str] = Counter()
    for _party, user_diets, user_allergens in rows:
        diets.update(set(user_diets or []))
        allergens.update(set(user_allergens or []))
    return {
        "confirmed_signups": len(rows),
        "confirmed_people": sum(r[0] for r in rows),
        "guests": sum(r[0] - 1 for r in rows),
        "diets": {d: diets[d] for d in DIETS if diets[d]},
        "allergens": {a: allergens[a] for a in EU_ALLERGENS if allergens[a]},
    }


def list_signups(
    user: User, meal_id: int, *, limit: int, after: str | None, status: str | None
) -> HostSignupPage:
    """Every signup with each diner's dietary needs, for the meal's hosts."""
    meal = policies.hosted_meal(user, meal_id)
    stmt = (
        select(Signup)
        .join(Signup.user)
        .join(Signup.pool)
        .where(Signup.meal_id == meal.id)
        .options(db.contains_eager(Signup.user), db.contains_eager(Signup.pool))
    )
    if status:
        stmt = stmt.where(Signup.status == SignupStatus(status))
    page = paginate(
        db.session,
        stmt,
        [SortKey(Signup.waitlist_seq)],
        lambda s: [s.waitlist_seq],
        limit=limit,
        after=after,
    )
    # Waitlist positions for the page, from one query over the meal's waitlist.
    order = db.session.execute(
        select(Signup.id, Signup.pool_id)
        .where(Signup.meal_id == meal.id, Signup.status == SignupStatus.WAITLISTED)
        .order_by(Signup.waitlist_seq)
    ).all()
    positions: dict[int, int] = {}
    counters: Counter[int] = Counter()
    for signup_id, pool_id in order:
        counters[pool_id] += 1
        positions[signup_id] = counters[pool_id]
    items = [SignupView(s, positions.get(s.id)) for s in page.items]
    first = meal_view(user, meal) if after is None else None
    return HostSignupPage(items, page.next_cursor, dietary_summary(meal.id), first)


def check_in(
    user: User, signup_id: int, *, attendance: Attendance, contribution_cents: int | None
) -> SignupView:
    """Mark a confirmed diner attended or no-show and record what they chose to give."""
    signup = policies.hosted_signup(user, signup_id)
    meal = db.session.get(Meal, signup.meal_id)
    assert meal is not None
    if meal.status == MealStatus.CANCELLED:
        raise Conflict(_l("This meal was cancelled."), reason="meal_cancelled")
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict(
            texts.because(texts.NOT_CONFIRMED_BECAUSE, signup.status, texts.NOT_CONFIRMED),
            reason="signup_not_confirmed",
        )
    attended = attendance == Attendance.ATTENDED
    if not attended and contribution_cents:
        raise Invalid(
            "contribution_cents",
            _l("A no-show has no contribution to record."),
            reason="no_show_contribution",
        )
    signup.attendance = attendance
    signup.contribution_cents = contribution_cents if attended else None
    signup.checked_in_at = utcnow()
    signup.checked_in_by_id = user.id
    db.session.commit()
    return SignupView(signup, None)


def meal_summary(user: User, meal_id: int) -> dict[str, Any]:
    """Seats, attendance, no-shows and pay-what-you-can contributions against cost price."""
    meal = policies.hosted_meal(user, meal_id)
    pools = pools_of([meal.id])[meal.id]
    waitlists = waitlist_counts([meal.id])
    rows = (
        db.session.execute(
            select(Signup).where(Signup.meal_id == meal.id, Signup.status == SignupStatus.CONFIRMED)
        )
        .scalars()
        .all()
    )
    attended = [s for s in rows if s.attendance == Attendance.ATTENDED]
    no_shows = [s for s in rows if s.attendance == Attendance.NO_SHOW]
    people_attended = sum(s.party_size for s in attended)
    contributions = [s.contribution_cents for s in attended if s.contribution_cents is not None]
    total = sum(contributions)
    cost_total = meal.cost_price_cents * people_attended
    return {
        "meal_id": meal.id,
        "status": effective_status(meal),
        "cost_price_cents": meal.cost_price_cents,
        "currency": meal.canteen.currency,
        "availability": availability(pools, waitlists),
        "seats": {
            "capacity": sum(p.capacity for p in pools),
            "taken": sum(p.taken for p in pools),
            "waitlisted_signups": sum(waitlists.values()),
        },
        "attendance": {
            "confirmed_signups": len(rows),
            "confirmed_people": sum(s.party_size for s in rows),
            "attended_signups": len(attended),
            "attended_people": people_attended,
            "no_show_signups": len(no_shows),
            "no_show_people": sum(s.party_size for s in no_shows),
            "not_checked_in_signups": len(rows) - len(attended) - len(no_shows),
        },
        "contributions": {
            "count": len(contributions),
            "total_cents": total,
            "average_per_person_cents": round(total / people_attended) if people_attended else 0,
            "cost_total_cents": cost_total,
            "balance_cents": total - cost_total,
            "coverage": round(total / cost_total, 3) if cost_total else None,
        },
    }
