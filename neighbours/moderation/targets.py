"""What moderation can be asked about: a registry of target kinds that the features fill.

Moderation knows no feature above it. Each feature registers the kinds it owns, per app
(`register_target`, called from `neighbours.wiring`): feed posts and comments, messages,
meals. The `user` kind is moderation's own, since people are found through accounts and
neighbourhoods, which sit below moderation. A kind says how to resolve a target for a reader
(raising the one 404 for whatever they may not see), and, for content with a `status` column,
which table hide/remove/restore change and what to do once its status changed (e.g.
broadcast it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select, update

from neighbours.accounts.models import User
from neighbours.accounts.schemas import person as embedded_person
from neighbours.accounts.services import visible_user
from neighbours.errors import NotFound
from neighbours.extensions import db
from neighbours.moderation.models import ContentStatus, TargetType
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods.models import Membership, MembershipStatus


@dataclass
class Target:
    """A reported or held thing: where it belongs, whose it is, and how it looked."""

    type: TargetType
    id: int
    neighbourhood_id: int
    author_id: int | None
    snapshot: dict[str, Any]
    content: Any = None  # the row, for content kinds


@dataclass(frozen=True)
class TargetKind:
    """How moderation reaches one type of target; filled in by the feature that owns it."""

    type: TargetType
    # The target as `reader` may see it; raises NotFound for anything they may not see.
    resolve: Callable[[User, int], Target]
    # Content only: the table (with `id` and `status`) that hide, remove and restore change.
    model: Any = None
    # Content only: a row as a target and the texts held words are looked for in (screening).
    describe: Callable[[Any], tuple[Target, tuple[str, ...]]] | None = None
    # Content only: called with the row's id, its new status and the one it had, after a
    # decision (or reports) changed its status.
    status_changed: Callable[[int, ContentStatus, ContentStatus], None] | None = None

    @property
    def is_content(self) -> bool:
        return self.model is not None


TargetKey = tuple[TargetType, int]
_KEY = "neighbours.moderation.targets"


def register_target(app: Flask, kind: TargetKind) -> None:
    """Tell `app`'s moderation how to reach a target type (registering again replaces it)."""
    app.extensions.setdefault(_KEY, {})[kind.type] = kind


def _kinds() -> dict[TargetType, TargetKind]:
    kinds: dict[TargetType, TargetKind] = current_app.extensions.get(_KEY, {})
    return kinds


def target_kind(target_type: TargetType) -> TargetKind:
    """The registered kind; 404 for a type nobody registered (nothing of it can be seen)."""
    kind = _kinds().get(target_type)
    if kind is None:
        raise NotFound()
    return kind


def is_content(target_type: TargetType) -> bool:
    """Whether decisions can hide or remove targets of this type."""
    kind = _kinds().get(target_type)
    return kind is not None and kind.is_content


def person(user: User | None) -> dict[str, Any] | None:
    """An author as a snapshot shows them: the one shape of a person."""
    return embedded_person(user) if user else None


def resolve_target(user: User, target_type: TargetType, target_id: int) -> Target:
    """The target as the reporter can see it; 404 for what they can't see."""
    return target_kind(target_type).resolve(user, target_id)


def describe(content: Any) -> tuple[Target, tuple[str, ...]]:
    """A content row (post, comment...) as a target, with the texts to screen."""
    for kind in _kinds().values():
        if kind.describe is not None and isinstance(content, kind.model):
            return kind.describe(content)
    raise TypeError(f"No moderation target kind describes {type(content).__name__}")


def set_content_status(
    target_type: TargetType,
    target_id: int,
    status: ContentStatus,
    *,
    only_from: tuple[ContentStatus, ...] | None = None,
) -> bool:
    """Move a content target to `status` (only from `only_from`); whether it changed."""
    kind = _kinds().get(target_type)
    if kind is None or kind.model is None:
        return False
    model = kind.model
    previous = None
    if kind.status_changed is not None:  # what it was, locked until the change commits
        previous = db.session.scalar(
            select(model.status).where(model.id == target_id).with_for_update()
        )
    stmt = update(model).where(model.id == target_id)
    if only_from is not None:
        stmt = stmt.where(model.status.in_(only_from))
    changed = db.session.execute(
        stmt.values(status=status).execution_options(synchronize_session="fetch")
    ).rowcount
    if changed and kind.status_changed is not None and previous is not None:
        kind.status_changed(target_id, status, previous)
    return bool(changed)


def content_statuses(targets: Iterable[TargetKey]) -> dict[TargetKey, str]:
    """The status now of each content target, one query per kind."""
    wanted: dict[TargetType, list[int]] = {}
    for target_type, target_id in targets:
        if is_content(target_type):
            wanted.setdefault(target_type, []).append(target_id)
    statuses: dict[TargetKey, str] = {}
    for target_type, ids in wanted.items():
        model = _kinds()[target_type].model
        for target_id, current in db.session.execute(
            select(model.id, model.status).where(model.id.in_(ids))
        ).all():
            statuses[(target_type, target_id)] = current.value
    return statuses


def _resolve_user(reader: User, user_id: int) -> Target:
    """A person, reported to the moderators of a neighbourhood they share with the reader."""
    found = visible_user(reader, user_id)
    shared = db.session.execute(
        select(func.min(Membership.neighbourhood_id)).where(
            Membership.user_id == found.id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.neighbourhood_id.in_(
                neighbourhood_policies.active_neighbourhood_ids(reader.id)
            ),
        )
    ).scalar_one_or_none()
    if shared is None:
        raise NotFound()
    return Target(
        TargetType.USER,
        found.id,
        shared,
        found.id,
        {"display_name": found.display_name, "bio": found.bio, "avatar_url": found.avatar_url},
    )


def register(app: Flask) -> None:
    """Moderation's own kind: people (accounts and neighbourhoods sit below moderation)."""
    register_target(app, TargetKind(TargetType.USER, _resolve_user))
