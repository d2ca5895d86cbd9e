"""Housekeeping jobs: expired invites, old idempotency keys, the event log's retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from neighbours import idempotency, wiring
from neighbours.database import utcnow
from neighbours.idempotency import IdempotencyKey
from neighbours.neighbourhoods.housekeeping import prune_expired_invites
from neighbours.neighbourhoods.models import Invite
from neighbours.realtime.models import LoggedEvent


def _count(db, model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_expired_unused_invites_go_and_used_ones_stay(db, auth):
    quartier = auth.neighbourhood()
    now = utcnow()
    for code, expires, used in (
        ("AAAAAA", now - timedelta(hours=1), None),
        ("CCCCCC", now - timedelta(hours=1), now - timedelta(days=2)),
        ("DDDDDD", now + timedelta(hours=1), None),
    ):
        db.session.add(
            Invite(neighbourhood_id=quartier.id, code=code, expires_at=expires, used_at=used)
        )
    db.session.commit()
    assert prune_expired_invites(now) == 1
    assert sorted(db.session.execute(select(Invite.code)).scalars()) == ["CCCCCC", "DDDDDD"]
    assert prune_expired_invites(now) == 0, "safe to run twice"


def test_idempotency_keys_older_than_their_ttl_go(app, db, auth):
    ana = auth.user()
    now = utcnow()
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
        db.session.add(
            IdempotencyKey(
                scope=f"user:{ana.id}",
                key=key,
                user_id=ana.id,
                method="POST",
                path="/api/v1/x",
                request_hash="h",
                created_at=now - age,
            )
        )
    db.session.commit()
    assert idempotency.prune(now) == 1
    assert db.session.execute(select(IdempotencyKey.key)).scalars().all() == ["fresh"]


def test_the_event_log_keeps_its_retention_as_of_the_clocks_now(app, db):
    now = utcnow()
    for age in (timedelta(hours=49), timedelta(hours=1)):
        db.session.add(
            LoggedEvent(name="probe", rooms=["user:1"], payload={}, created_at=now - age)
        )
    db.session.commit()
    assert wiring.prune_event_log(now) == 1
    assert _count(db, LoggedEvent) == 1
    assert wiring.prune_event_log(now + timedelta(hours=48)) == 1
