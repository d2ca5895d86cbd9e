"""The caller's membership, fetched with their token: one statement authenticates and authorises.

`with_membership` is a companion of the request's token query (`neighbours.auth`, wired by
`neighbours.wiring`). When the path names a neighbourhood (`/neighbourhoods/<neighbourhood_id>/...`)
or something that lives in one (a feature registers how to find its neighbourhood from a path
argument with `add_path_neighbourhood`: a post's, a meal's), the token's query also brings:

- the neighbourhood itself (when named), into the session, so `get_neighbourhood` reads no row;
- the caller's active membership of it, or none;
- whether a suspension of the caller there is in force;

and the policies' memo (`policies.remember`) keeps them for this request only. Whatever the
request then writes or commits forgets them, as for any membership read (see `policies`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import ColumnElement, Select, and_, exists, literal
from sqlalchemy.orm import aliased

from neighbours.accounts.models import User
from neighbours.neighbourhoods import policies
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Neighbourhood, Suspension

# A path argument's value -> the neighbourhood id of what it names, as a scalar subquery.
PathNeighbourhood = Callable[[int], ColumnElement[Any]]
_PATHS = "neighbours.neighbourhoods.path_neighbourhoods"
_NEIGHBOURHOOD_ARG = "neighbourhood_id"


def add_path_neighbourhood(app: Flask, argument: str, resolve: PathNeighbourhood) -> None:
    """Teach the token query where the thing a path argument names lives (`meal_id` -> the
    meal's neighbourhood), so requests about it fetch the caller's membership there too."""
    app.extensions.setdefault(_PATHS, {})[argument] = resolve


def _path_neighbourhood() -> tuple[ColumnElement[Any], int | None] | None:
    """The neighbourhood the request's path is about: (an expression of its id, the id when
    the path names it), or None."""
    if not has_request_context():
        return None
    arguments = request.view_args or {}
    named = arguments.get(_NEIGHBOURHOOD_ARG)
    if type(named) is int:
        return literal(named), named
    resolvers: dict[str, PathNeighbourhood] = current_app.extensions.get(_PATHS, {})
    for name, value in arguments.items():
        if type(value) is int and name in resolvers:
            return resolvers[name](value), None
    return None


def with_membership(
    stmt: Select[Any], user_id: ColumnElement[int]
) -> tuple[Select[Any], Callable[[User, Sequence[Any]], None]] | None:
    """The token query's companion (see the module's doc)."""
    found = _path_neighbourhood()
    if found is None:
        return None
    neighbourhood_id, named = found
    membership = aliased(Membership, name="caller_membership")
    suspended = exists().where(
        Suspension.user_id == user_id,
        Suspension.neighbourhood_id == neighbourhood_id,
        policies.suspension_in_force(),
    )
    stmt = stmt.outerjoin(
        membership,
        and_(
            membership.user_id == user_id,
            membership.neighbourhood_id == neighbourhood_id,
            membership.status == MembershipStatus.ACTIVE,
        ),
    ).add_columns(membership, suspended.label("caller_suspended"))
    if named is not None:
        stmt = stmt.outerjoin(Neighbourhood, Neighbourhood.id == named).add_columns(Neighbourhood)
    else:
        stmt = stmt.add_columns(neighbourhood_id.label("path_neighbourhood_id"))

    def receive(user: User, values: Sequence[Any]) -> None:
        found_membership, is_suspended, third = values
        if named is not None:
            policies.remember(user.id, named, found_membership, bool(is_suspended), third)
        elif third is not None:
            policies.remember(user.id, third, found_membership, bool(is_suspended))

    return stmt, receive
