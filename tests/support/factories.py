"""factory_boy factories for the models tests set up directly (bypassing the slow paths).

Each factory adds to the current `db.session` and commits, as the hand-written builders did.
`Auth` and `Kitchen` (the `auth` and `kitchen` fixtures) are built on them and return what the
tests use: `Actor`s with a token, neighbourhoods with their moderator, canteens and meals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Canteen, CanteenHost, Meal, MealStatus, SeatPool
from neighbours.neighbourhoods.models import (
    JoinPolicy,
    Membership,
    MembershipStatus,
    Neighbourhood,
    Role,
)
from tests.support.settings import TEST_PASSWORD

_FAST_HASH: dict[str, str] = {}


def password_hash() -> str:
    """The argon2id hash of TEST_PASSWORD, computed once per run (argon2id is slow on purpose)."""
    if "h" not in _FAST_HASH:
        from neighbours.auth import hash_password

        _FAST_HASH["h"] = hash_password(TEST_PASSWORD)
    return _FAST_HASH["h"]


class _Factory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session()  # noqa: E731  (the current session)
        sqlalchemy_session_persistence = "commit"


class UserFactory(_Factory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password_hash = factory.LazyFunction(password_hash)
    display_name = factory.Sequence(lambda n: f"Neighbour {n}")
    languages = factory.LazyFunction(list)
    diets = factory.LazyFunction(list)
    allergens = factory.LazyFunction(list)


class NeighbourhoodFactory(_Factory):
    class Meta:
        model = Neighbourhood

    name = factory.Sequence(lambda n: f"Quartier {n}")
    description = ""
    city = "Lyon"
    latitude = 45.7745
    longitude = 4.832
    radius_m = 1000
    join_policy = JoinPolicy.OPEN


class MembershipFactory(_Factory):
    class Meta:
        model = Membership

    role = Role.MEMBER
    status = MembershipStatus.ACTIVE


class CanteenFactory(_Factory):
    class Meta:
        model = Canteen

    name = "La Cantine du Plateau"
    address = "12 rue d'Austerlitz, Lyon"
    timezone = "Europe/Paris"
    default_capacity = 10


class CanteenHostFactory(_Factory):
    class Meta:
        model = CanteenHost


class MealFactory(_Factory):
    class Meta:
        model = Meal
        exclude = ("starts_in", "pool_sizes")

    starts_in = timedelta(days=2)
    pool_sizes = factory.LazyFunction(lambda: {"table": 10, "kitchen": 2})
    title = "Soupe et pain partagé"
    menu = "Velouté de potiron, pain de campagne, tarte aux pommes"
    starts_at = factory.LazyAttribute(lambda m: utcnow() + m.starts_in)
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=2))
    signup_closes_at = factory.LazyAttribute(lambda m: m.starts_at - timedelta(hours=1))
    allergens = factory.LazyFunction(list)
    diets = factory.LazyFunction(lambda: ["vegetarian"])
    cost_price_cents = 500
    status = MealStatus.PUBLISHED
    availability_version = 0
    pools = factory.LazyAttribute(
        lambda m: [
            SeatPool(key=key, label=key.capitalize(), capacity=capacity, taken=0, position=i)
            for i, (key, capacity) in enumerate(m.pool_sizes.items())
        ]
    )


@dataclass
class Actor:
    """A signed-in person in a test: their id, token and ready-made headers."""

    id: int
    email: str
    token: str
    display_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Auth:
    """People, neighbourhoods and memberships, straight in the database (the `auth` fixture)."""

    def __init__(self, app: Any = None) -> None:
        self.app = app
        self._n = 0

    def user(self, name: str | None = None, **fields: Any) -> Actor:
        self._n += 1
        name = name or f"Neighbour {self._n}"
        # Unique across Auth instances: an id() is reused once its object is freed.
        email = fields.pop("email", f"user{self._n}-{uuid.uuid4().hex[:12]}@example.org")
        user = UserFactory(email=email, display_name=name, **fields)
        return Actor(user.id, email, self.token_for(user), name)

    def token_for(self, who: Actor | User) -> str:
        """A new session token for a person."""
        from neighbours.auth import issue_token

        user = who if isinstance(who, User) else db.session.get(User, who.id)
        token, _ = issue_token(user)
        db.session.commit()
        return token

    def neighbourhood(
        self,
        moderator: Actor | None = None,
        *,
        name: str | None = None,
        join_policy: str = "open",
        latitude: float = 45.7745,
        longitude: float = 4.832,
    ) -> Any:
        self._n += 1
        moderator = moderator or self.user(f"Moderator {self._n}")
        neighbourhood = NeighbourhoodFactory(
            name=name or f"Quartier {self._n}",
            latitude=latitude,
            longitude=longitude,
            join_policy=JoinPolicy(join_policy),
            created_by_id=moderator.id,
        )
        MembershipFactory(
            neighbourhood_id=neighbourhood.id,
            user_id=moderator.id,
            role=Role.MODERATOR,
        )
        neighbourhood.moderator = moderator
        return neighbourhood

    def member(
        self,
        neighbourhood: Any,
        actor: Actor | None = None,
        *,
        role: str = "member",
        status: str = "active",
        **user_fields: Any,
    ) -> Actor:
        actor = actor or self.user(**user_fields)
        MembershipFactory(
            neighbourhood_id=neighbourhood.id,
            user_id=actor.id,
            role=Role(role),
            status=MembershipStatus(status),
        )
        return actor


class Kitchen:
    """A neighbourhood with a canteen, its host, and meals (the `kitchen` fixture)."""

    def __init__(self, auth: Auth) -> None:
        self.auth = auth

    def canteen(self, neighbourhood: Any = None, host: Any = None, *, capacity: int = 10) -> Any:
        neighbourhood = neighbourhood or self.auth.neighbourhood()
        host = host or self.auth.member(neighbourhood, role="host")
        canteen = CanteenFactory(neighbourhood_id=neighbourhood.id, default_capacity=capacity)
        CanteenHostFactory(canteen_id=canteen.id, user_id=host.id)
        canteen.host = host
        canteen.neighbourhood = neighbourhood
        return canteen

    def meal(
        self,
        canteen: Any = None,
        *,
        pools: dict[str, int] | None = None,
        status: str = "published",
        starts_in: timedelta = timedelta(days=2),
        allergens: list[str] | None = None,
        cost_price_cents: int = 500,
        closes_at: Any = None,
    ) -> Any:
        canteen = canteen or self.canteen()
        extra: dict[str, Any] = {}
        if closes_at is not None:
            extra["signup_closes_at"] = closes_at
        meal = MealFactory(
            canteen_id=canteen.id,
            neighbourhood_id=canteen.neighbourhood_id,
            starts_in=starts_in,
            pool_sizes=pools or {"table": 10, "kitchen": 2},
            allergens=allergens or [],
            cost_price_cents=cost_price_cents,
            status=MealStatus(status),
            **extra,
        )
        meal.canteen_obj = canteen
        return meal
