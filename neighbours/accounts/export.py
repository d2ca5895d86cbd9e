"""The caller's data export: accounts' own sections, then each feature's (`hooks`)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import select

from neighbours.accounts import hooks
from neighbours.accounts.models import AccessToken, Block, User
from neighbours.accounts.schemas import PrivateUserSchema
from neighbours.accounts.services import private_view
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.timefmt import iso


def plain(value: Any) -> Any:
    """A value as the export writes it: datetimes in ISO 8601 UTC, enums as their value."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def dump_rows(model: Any, columns: list[str], *where: Any) -> list[dict[str, Any]]:
    """One section: these columns of the rows matching `where`, in order of the first column."""
    rows = db.session.execute(
        select(*[getattr(model, c) for c in columns])
        .where(*where)
        .order_by(*[getattr(model, c) for c in columns[:1]])
    ).all()
    return [{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def export(user: User) -> dict[str, Any]:
    """Everything stored about the caller, as one JSON document."""
    tokens = db.session.execute(
        select(AccessToken).where(AccessToken.user_id == user.id).order_by(AccessToken.id)
    ).scalars()
    blocks = db.session.execute(
        select(Block).where(Block.blocker_id == user.id).order_by(Block.created_at)
    ).scalars()
    document: dict[str, Any] = {
        "exported_at": plain(utcnow()),
        "profile": PrivateUserSchema().dump(private_view(user)),
        "sessions": [
            {
                "id": t.id,
                "created_at": plain(t.created_at),
                "expires_at": plain(t.expires_at),
                "revoked_at": plain(t.revoked_at),
                "user_agent": t.user_agent,
                "ip": t.ip,
            }
            for t in tokens
        ],
        "blocked_users": [
            {"user_id": b.blocked_id, "created_at": plain(b.created_at)} for b in blocks
        ],
    }
    for section in hooks.export_sections.callbacks():
        document.update(section(user))
    return document
