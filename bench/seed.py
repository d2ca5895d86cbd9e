"""The neighbourhood `bench.versus` measures: built once, in a database of its own.

Made through the app's own migrations and models (Core INSERTs of the mapped tables, so
column defaults apply), then ANALYZEd:

- 3,000 people, all active members of one neighbourhood, each with a login token (the first
  ones read the feed and rush for seats; all of them hold sockets in the connect storm);
- 5,000 posts (5 pinned) with about 7,500 comments and 24,000 reactions, the newest posts
  the busiest, and every reader's own reaction on one of the first page's posts;
- a canteen with 30 meals over the next 30 days (a 40-seat table, full, 5 on its waitlist,
  and a kitchen pool), which the meal list and meal detail read;
- meals with 40 free seats a year ahead, one per signup rush (never on the meal list's first
  page);
- 2,000 logged events, so that a reconnect's replay check reads a real log.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = 3000
POSTS = 5000
LIST_MEALS = 30
RUSH_SEATS = 40
# Readers of the feed and the meals: members, not moderators (user 0) nor hosts (user 1).
FIRST_READER = 10
READERS = 400


@dataclass
class Seed:
    url: str  # postgresql://... (libpq form, for psycopg and the servers' DATABASE_URL)
    hood: int
    user_ids: list[int]
    tokens: list[str]
    list_meals: list[int]
    rush_meals: list[int] = field(default_factory=list)

    def readers(self, n: int) -> list[str]:
        """Tokens of `n` ordinary members."""
        return self.tokens[FIRST_READER : FIRST_READER + n]


def fresh_database(url: str) -> None:
    """Drop and re-create the database of `url` (never point it at data you keep); any
    PostgreSQL URL SQLAlchemy takes (`postgresql://`, `postgresql+psycopg://`)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def _rows(session: Any, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows in one statement (batched by the driver); their ids, in order."""
    from sqlalchemy import insert

    if not rows:
        return []
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def build(url: str, *, rush_meals: int, seed: int = 15) -> Seed:
    """A fresh database at `url` (postgresql://...), migrated and filled as described above."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from config.settings import normalise_database_url
    from neighbours import create_app
    from neighbours.accounts.models import AccessToken
    from neighbours.auth import hash_token
    from neighbours.database import utcnow
    from neighbours.extensions import db
    from neighbours.feed.models import Category, Comment, ContentStatus, Post, Reaction
    from neighbours.meals.models import (
        Canteen,
        CanteenHost,
        Meal,
        MealStatus,
        SeatPool,
        Signup,
        SignupStatus,
    )
    from neighbours.models import Membership, Neighbourhood, User
    from neighbours.neighbourhoods.models import JoinPolicy, MembershipStatus, Role
    from neighbours.realtime.models import LoggedEvent

    fresh_database(url)
    rng = random.Random(seed)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "SECRET_KEY": "bench",
            "REDIS_URL": None,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        s = db.session
        now = utcnow()
        run = uuid.uuid4().hex[:8]
        user_ids = _rows(
            s,
            User,
            [
                {
                    "email": f"bench-{run}-{i}@example.org",
                    "password_hash": "not-a-password",
                    "display_name": f"Neighbour {i}",
                    "languages": ["fr"],
                    "diets": ["vegetarian"] if i % 5 == 0 else [],
                    "allergens": ["nuts", "milk"] if i % 7 == 0 else [],
                }
                for i in range(PEOPLE)
            ],
        )
        tokens = [f"bench-{run}-{i}-{uuid.uuid4().hex}" for i in range(PEOPLE)]
        expires = now + timedelta(days=30)
        s.execute(
            insert(AccessToken),
            [
                {"user_id": uid, "token_hash": hash_token(t), "expires_at": expires}
                for uid, t in zip(user_ids, tokens, strict=True)
            ],
        )
        hood = _rows(
            s,
            Neighbourhood,
            [
                {
                    "name": f"Bench {run}",
                    "description": "",
                    "city": "Lyon",
                    "latitude": 45.77,
                    "longitude": 4.83,
                    "radius_m": 1000,
                    "join_policy": JoinPolicy.OPEN,
                    "created_by_id": user_ids[0],
                }
            ],
        )[0]
        roles = {0: Role.MODERATOR, 1: Role.HOST}
        s.execute(
            insert(Membership),
            [
                {
                    "neighbourhood_id": hood,
                    "user_id": uid,
                    "role": roles.get(i, Role.MEMBER),
                    "status": MembershipStatus.ACTIVE,
                }
                for i, uid in enumerate(user_ids)
            ],
        )
        categories = [c for c in Category if c != Category.ANNOUNCEMENT]
        # Newest first: post i was written i minutes ago.
        post_ids = _rows(
            s,
            Post,
            [
                {
                    "neighbourhood_id": hood,
                    "author_id": user_ids[rng.randrange(500)],
                    "category": categories[i % len(categories)],
                    "title": f"Post {i}: a ladder to lend, a cat to find",
                    "body": "Bonjour les voisins, " * 12,
                    "status": ContentStatus.PUBLISHED,
                    "pinned": i % 1000 == 0,
                    "created_at": now - timedelta(minutes=i),
                }
                for i in range(POSTS)
            ],
        )
        comments = []
        reactions: set[tuple[int, int, str]] = set()
        for i, post_id in enumerate(post_ids):
            busy = i < 500
            for _ in range(rng.randint(0, 12 if busy else 2)):
                comments.append(
                    {
                        "post_id": post_id,
                        "author_id": user_ids[rng.randrange(PEOPLE)],
                        "body": "Merci, je passe ce soir !",
                        "status": ContentStatus.PUBLISHED,
                        "created_at": now - timedelta(minutes=i) + timedelta(seconds=30),
                    }
                )
            for _ in range(rng.randint(0, 30 if busy else 6)):
                kind = rng.choice(("like", "thanks", "support"))
                reactions.add((post_id, user_ids[rng.randrange(PEOPLE)], kind))
        # Each reader's own reaction on one post of the first page.
        for i in range(FIRST_READER, FIRST_READER + READERS):
            reactions.add((post_ids[i % 20], user_ids[i], "like"))
        s.execute(insert(Comment), comments)
        s.execute(
            insert(Reaction),
            [{"post_id": p, "user_id": u, "kind": k} for p, u, k in sorted(reactions)],
        )
        canteen = _rows(
            s,
            Canteen,
            [
                {
                    "neighbourhood_id": hood,
                    "name": "La Cantine des Pentes",
                    "address": "12 rue des Tables Claudiennes",
                    "timezone": "Europe/Paris",
                    "default_capacity": 40,
                    "latitude": 45.77,
                    "longitude": 4.83,
                }
            ],
        )[0]
        s.execute(insert(CanteenHost), [{"canteen_id": canteen, "user_id": user_ids[1]}])

        def meal(starts: Any, title: str) -> dict[str, Any]:
            return {
                "canteen_id": canteen,
                "neighbourhood_id": hood,
                "title": title,
                "menu": "Soupe de saison, gratin, tarte aux pommes",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "signup_closes_at": starts - timedelta(hours=1),
                "allergens": ["milk", "gluten"],
                "diets": ["vegetarian"],
                "cost_price_cents": 450,
                "status": MealStatus.PUBLISHED,
                "availability_version": 0,
                "created_by_id": user_ids[1],
            }

        list_meals = _rows(
            s, Meal, [meal(now + timedelta(days=1 + d), f"Dinner {d}") for d in range(LIST_MEALS)]
        )
        rush = _rows(
            s,
            Meal,
            [meal(now + timedelta(days=365 + d), f"Rush {d}") for d in range(rush_meals)],
        )

        def pool(meal_id: int, key: str, capacity: int, taken: int, position: int) -> dict:
            return {
                "meal_id": meal_id,
                "key": key,
                "label": key.capitalize(),
                "capacity": capacity,
                "taken": taken,
                "position": position,
            }

        pools = []
        for meal_id in list_meals:
            pools += [pool(meal_id, "table", 40, 40, 0), pool(meal_id, "kitchen", 6, 0, 1)]
        pools += [pool(meal_id, "table", RUSH_SEATS, 0, 0) for meal_id in rush]
        pool_ids = _rows(s, SeatPool, pools)
        signups = []
        for m, meal_id in enumerate(list_meals):
            table = pool_ids[2 * m]
            for seq, i in enumerate(range(20, 65)):
                confirmed = seq < 40
                signups.append(
                    {
                        "meal_id": meal_id,
                        "pool_id": table,
                        "user_id": user_ids[i],
                        "party_size": 1,
                        "status": SignupStatus.CONFIRMED if confirmed else SignupStatus.WAITLISTED,
                        "waitlist_seq": seq,
                        "confirmed_at": now if confirmed else None,
                    }
                )
        s.execute(insert(Signup), signups)
        room = f"neighbourhood:{hood}"
        s.execute(
            insert(LoggedEvent),
            [
                {
                    "name": "post:created",
                    "payload": {"id": post_ids[i % POSTS], "title": "Post", "body": "Bonjour"},
                    "rooms": [room],
                    "created_at": now - timedelta(seconds=2000 - i),
                    "subject": f"post:{post_ids[i % POSTS]}",
                    "author_id": user_ids[i % 500],
                }
                for i in range(2000)
            ],
        )
        s.commit()
        db.engine.dispose()
    import psycopg

    # Statistics for the planner, and the visibility map for index-only scans.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return Seed(url, hood, user_ids, tokens, list_meals, rush)
