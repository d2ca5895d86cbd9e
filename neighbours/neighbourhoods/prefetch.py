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

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, exists
from sqlalchemy.orm import aliased

from neighbours.accounts.models import User
from neighbours.auth import Plan, Receiver
from neighbours.database import utcnow
from neighbours.neighbourhoods import policies
from neighbours.neighbourhoods.models import Membership, MembershipStatus, Neighbourhood, Suspension

# The neighbourhood id of what a path argument names, as a scalar subquery of its value (a
# bind parameter: the statement is built once and run again).
PathNeighbourhood = Callable[[ColumnElement[int]], ColumnElement[Any]]
_PATHS = "neighbours.neighbourhoods.path_neighbourhoods"
_NEIGHBOURHOOD_ARG = "neighbourhood_id"


def add_path_neighbourhood(app: Flask, argument: str, resolve: PathNeighbourhood) -> None:
    """Teach the token query where the thing a path argument names lives (`meal_id` -> the
    meal's neighbourhood), so requests about it fetch the caller's membership there too."""
    app.extensions.setdefault(_PATHS, {})[argument] = resolve


class MembershipCompanion:
    """The token query's companion (see the module's doc). Shapes: `("named",)` when the path
    names the neighbourhood, `("path", argument)` when it names something in one."""

    def plan(self) -> Plan | None:
        if not has_request_context():
            return None
        arguments = request.view_args or {}
        named = arguments.get(_NEIGHBOURHOOD_ARG)
        now = utcnow()
        if type(named) is int:
            params = {"prefetch_neighbourhood": named, "prefetch_now": now}
            return Plan(("named",), params, _receiver(named))
        resolvers: dict[str, PathNeighbourhood] = current_app.extensions.get(_PATHS, {})
        for name, value in arguments.items():
            if type(value) is int and name in resolvers:
                params = {"prefetch_path_value": value, "prefetch_now": now}
                return Plan(("path", name), params, _receiver(None))
        return None

    def extend(
        self, stmt: Select[Any], user_id: ColumnElement[int], shape: Hashable
    ) -> Select[Any]:
        assert isinstance(shape, tuple)
        if shape[0] == "named":
            neighbourhood_id: ColumnElement[Any] = bindparam(
                "prefetch_neighbourhood", type_=Integer
            )
        else:
            resolve = current_app.extensions[_PATHS][shape[1]]
            neighbourhood_id = resolve(bindparam("prefetch_path_value", type_=Integer))
        membership = aliased(Membership, name="caller_membership")
        suspended = exists().where(
            Suspension.user_id == user_id,
            Suspension.neighbourhood_id == neighbourhood_id,
            policies.suspension_in_force(bindparam("prefetch_now", type_=Suspension.ends_at.type)),
        )
        stmt = stmt.outerjoin(
            membership,
            and_(
                membership.user_id == user_id,
                membership.neighbourhood_id == neighbourhood_id,
                membership.status == MembershipStatus.ACTIVE,
            ),
        ).add_columns(membership, suspended.label("caller_suspended"))
        if shape[0] == "named":
            # The neighbourhood too, into the session: `get_neighbourhood` reads no row.
            return stmt.outerjoin(Neighbourhood, Neighbourhood.id == neighbourhood_id).add_columns(
                Neighbourhood
            )
        return stmt.add_columns(neighbourhood_id.label("path_neighbourhood_id"))


def _receiver(named: int | None) -> Receiver:
    def receive(user: User, values: Sequence[Any]) -> None:
        found_membership, is_suspended, third = values
        if named is not None:
            policies.remember(user.id, named, found_membership, bool(is_suspended), third)
        elif third is not None:
            policies.remember(user.id, third, found_membership, bool(is_suspended))

    return receive


with_membership = MembershipCompanion()
