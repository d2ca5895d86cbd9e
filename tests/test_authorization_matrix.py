"""The authorisation matrix: every endpoint, every kind of caller, the status each one gets.

The matrix is generated against the app's URL map: an endpoint without a row fails
`test_every_endpoint_has_a_row`, and so does a row whose endpoint is gone. Each (row, role)
case runs against a world built for it: neighbourhood A with a moderator, a canteen host, a
member, a suspended member, and a member of another neighbourhood B only, plus content in A.
Building the app is slow, so this module keeps one app; the world is rebuilt after any case
that could have changed it (anything but a GET), and shared between consecutive GET cases.

The second group checks that lists and single objects agree for each role: everything a list
shows opens on its own, and what is 404 on its own is not listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection

from neighbours import auth as auth_module
from neighbours.database import utcnow
from neighbours.extensions import db
from tests.support.api import PREFIX as API
from tests.support.apps import restored
from tests.support.database import RolledBack
from tests.support.errors import assert_error
from tests.support.factories import Actor, Auth, Kitchen
from tests.support.settings import TEST_PASSWORD

ROLES = ("anonymous", "outsider", "member", "host", "moderator", "suspended")


# --- the world -------------------------------------------------------------------------------


@dataclass
class World:
    actors: dict[str, Actor | None]
    neighbour: Actor  # another member of A: authors what no role authored
    pending: Actor  # asked to join A, waiting for approval
    troll: Actor  # a member of A whom every role in A has blocked
    neighbourhood_id: int
    other_neighbourhood_id: int
    canteen_id: int
    meal_id: int  # published, signed up for by the member and the suspended member
    draft_meal_id: int
    signup_id: int  # the member's signup
    post_id: int  # the member's post
    neighbour_post_id: int  # the neighbour's post, reported by nobody
    hidden_post_id: int  # the neighbour's post, hidden by a moderator
    comment_id: int  # the host's comment on the member's post
    hidden_comment_id: int  # the neighbour's comment on the member's post, hidden
    conversation_id: int  # between the member and the moderator
    other_conversation_id: int  # the neighbour's group with the host and the moderator
    message_id: int
    item_id: int  # the queue item for the neighbour's report on the member's post
    spare_session_id: int  # a second session of the member
    series_id: int  # the host's series at the canteen, with no meal generated yet
    series_day: str  # its one date
    feed_secret: str  # the member's calendar feed
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        actor = self.actors[role]
        return actor.headers if actor else {}


def _ok(response: Any, status: int = 201) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def build_world(app: Flask) -> World:
    from neighbours.accounts.models import AccessToken, Block, User
    from neighbours.feed.models import Comment, ContentStatus, Post
    from neighbours.moderation.models import Suspension

    client = app.test_client()
    auth = Auth(app)
    kitchen = Kitchen(auth)

    a = auth.neighbourhood(name="Quartier A")
    b = auth.neighbourhood(name="Quartier B")
    moderator = a.moderator
    host = auth.member(a, role="host", name="Host")
    member = auth.member(a, name="Member")
    suspended = auth.member(a, name="Suspended")
    neighbour = auth.member(a, name="Neighbour")
    pending = auth.member(a, status="pending", name="Pending")
    troll = auth.member(a, name="Troll")
    outsider = auth.member(b, name="Outsider")

    canteen = kitchen.canteen(a, host)
    meal = kitchen.meal(canteen)
    draft = kitchen.meal(canteen, status="draft")

    def post(actor: Actor, path: str, body: dict, status: int = 201) -> dict:
        return _ok(client.post(API + path, json=body, headers=actor.headers), status)

    signup = post(member, f"/meals/{meal.id}/signups", {"pool": "table", "party_size": 1})
    post(suspended, f"/meals/{meal.id}/signups", {"pool": "table", "party_size": 1})
    article = {"category": "general", "title": "Ladder to lend", "body": "Ask me."}
    member_post = post(member, f"/neighbourhoods/{a.id}/posts", article)
    neighbour_post = post(neighbour, f"/neighbourhoods/{a.id}/posts", article)
    hidden_post = post(neighbour, f"/neighbourhoods/{a.id}/posts", article)
    comment = post(host, f"/posts/{member_post['id']}/comments", {"body": "I need one!"})
    hidden_comment = post(neighbour, f"/posts/{member_post['id']}/comments", {"body": "Me too"})
    conversation = post(member, "/conversations", {"participant_ids": [moderator.id]})
    message = post(member, f"/conversations/{conversation['id']}/messages", {"body": "Hello"})
    other = post(neighbour, "/conversations", {"participant_ids": [host.id, moderator.id]})
    post(neighbour, f"/conversations/{other['id']}/messages", {"body": "Psst"})
    report = post(
        neighbour,
        "/reports",
        {"target_type": "post", "target_id": member_post["id"], "reason": "spam"},
    )

    for blocker in (member, host, moderator, suspended):
        db.session.add(Block(blocker_id=blocker.id, blocked_id=troll.id))
    db.session.get(Post, hidden_post["id"]).status = ContentStatus.HIDDEN
    db.session.get(Comment, hidden_comment["id"]).status = ContentStatus.HIDDEN
    db.session.add(
        Suspension(
            neighbourhood_id=a.id,
            user_id=suspended.id,
            ends_at=utcnow() + timedelta(days=3),
            reason="Matrix world",
        )
    )
    cheap = auth_module.hash_password(TEST_PASSWORD)
    for user in db.session.query(User):
        user.password_hash = cheap
    db.session.commit()
    auth.token_for(member)
    spare = db.session.query(AccessToken).filter_by(user_id=member.id).order_by(AccessToken.id)
    spare_session_id = spare.all()[-1].id
    # Beyond the weeks generated ahead: the series has no meal to disturb the other rows.
    series_day = (utcnow() + timedelta(days=90)).date().isoformat()
    series = post(
        host,
        f"/canteens/{canteen.id}/series",
        {"title": "Lunch", "rrule": "FREQ=WEEKLY", "starts_on": series_day,
         "start_time": "12:30", "count": 1},
    )  # fmt: skip
    feed = post(member, "/me/calendar-feed", {})

    return World(
        actors={
            "anonymous": None,
            "outsider": outsider,
            "member": member,
            "host": host,
            "moderator": moderator,
            "suspended": suspended,
        },
        neighbour=neighbour,
        pending=pending,
        troll=troll,
        neighbourhood_id=a.id,
        other_neighbourhood_id=b.id,
        canteen_id=canteen.id,
        meal_id=meal.id,
        draft_meal_id=draft.id,
        signup_id=signup["id"],
        post_id=member_post["id"],
        neighbour_post_id=neighbour_post["id"],
        hidden_post_id=hidden_post["id"],
        comment_id=comment["id"],
        hidden_comment_id=hidden_comment["id"],
        conversation_id=conversation["id"],
        other_conversation_id=other["id"],
        message_id=message["id"],
        item_id=report["item_id"],
        spare_session_id=spare_session_id,
        series_id=series["id"],
        series_day=series_day,
        feed_secret=feed["url"].rsplit("/", 1)[1].removesuffix(".ics"),
    )


# --- the matrix ------------------------------------------------------------------------------


def _row(anonymous: int = 401, outsider: int | None = None, **in_a: int) -> dict[str, int]:
    """Expected statuses; roles in A not named default to `default` (required)."""
    default = in_a.pop("default")
    row = {"anonymous": anonymous, "outsider": default if outsider is None else outsider}
    for role in ("member", "host", "moderator", "suspended"):
        row[role] = in_a.get(role, default)
    return row


def anyone(status: int) -> dict[str, int]:
    """Public: the token does not matter."""
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    """Any signed-in person, about themselves or public information."""
    return _row(default=status)


def members(status: int, outsider: int = 404, **roles: int) -> dict[str, int]:
    """Active members of A (suspended ones too) read; outsiders get 404 (or 403 on lists)."""
    return _row(outsider=outsider, default=status, **roles)


def writers(status: int, outsider: int = 404, **roles: int) -> dict[str, int]:
    """Active members of A write; suspended members get 403."""
    return _row(outsider=outsider, default=status, suspended=403, **roles)


def moderators(status: int, outsider: int = 403) -> dict[str, int]:
    return _row(outsider=outsider, default=403, moderator=status)


def hosts(status: int, outsider: int = 404, **roles: int) -> dict[str, int]:
    return _row(outsider=outsider, default=403, host=status, **roles)


def author_or_moderator(author: str) -> dict[str, int]:
    return _row(outsider=404, default=403, moderator=204, **{author: 204})


def only(role: str, status: int, others: int, outsider: int = 404) -> dict[str, int]:
    """One role may; the other people in A get `others`."""
    return _row(outsider=outsider, default=others, **{role: status})


N = f"{API}/neighbourhoods/<int:neighbourhood_id>"
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    # ops and docs
    ("GET", "/healthz"): anyone(200),
    ("GET", "/readyz"): anyone(200),
    ("GET", "/api/openapi.json"): anyone(200),
    ("GET", "/api/asyncapi.json"): anyone(200),
    ("GET", "/api/docs"): anyone(200),
    # accounts: about the caller, whoever they are
    ("POST", f"{API}/auth/register"): anyone(201),
    ("POST", f"{API}/auth/login"): anyone(200),
    ("POST", f"{API}/auth/logout"): signed_in(204),
    ("GET", f"{API}/me"): signed_in(200),
    ("PATCH", f"{API}/me"): signed_in(200),
    # the moderator is the last one of A, which has other members
    ("DELETE", f"{API}/me"): _row(default=204, moderator=409),
    ("GET", f"{API}/me/export"): signed_in(200),
    ("GET", f"{API}/me/badges"): signed_in(200),
    ("GET", f"{API}/me/meals"): signed_in(200),
    ("GET", f"{API}/me/hosting"): signed_in(200),
    ("GET", f"{API}/me/blocks"): signed_in(200),
    ("GET", f"{API}/me/sessions"): signed_in(200),
    ("DELETE", f"{API}/me/sessions"): signed_in(200),
    # the member's spare session: nobody else's business
    ("DELETE", f"{API}/me/sessions/<int:session_id>"): only("member", 204, 404),
    ("POST", f"{API}/me/password"): signed_in(204),
    # the neighbour, a member of A (unblocking: the troll, whom everyone in A has blocked)
    ("GET", f"{API}/users/<int:user_id>"): members(200),
    ("POST", f"{API}/users/<int:user_id>/block"): members(204),
    ("DELETE", f"{API}/users/<int:user_id>/block"): members(204),
    # neighbourhoods: public to find, members inside
    ("POST", f"{API}/neighbourhoods"): signed_in(201),
    ("GET", f"{API}/neighbourhoods"): signed_in(200),
    ("GET", N): signed_in(200),
    ("POST", f"{N}/join"): _row(outsider=201, default=409),
    ("POST", f"{N}/invites"): moderators(201),
    ("GET", f"{N}/members"): members(200, outsider=403),
    ("POST", f"{N}/members/<int:user_id>/approve"): moderators(200),
    ("POST", f"{N}/members/<int:user_id>/decline"): moderators(200),
    ("PATCH", f"{N}/members/<int:user_id>"): moderators(200),
    ("DELETE", f"{N}/members/<int:user_id>"): moderators(204),
    # the only moderator can't leave (409); an outsider has no membership to end (404)
    ("DELETE", f"{N}/members/me"): _row(outsider=404, default=204, moderator=409),
    # feed: the member's post, the host's comment on it
    ("GET", f"{N}/posts"): members(200, outsider=403),
    ("POST", f"{N}/posts"): writers(201, outsider=403),
    ("GET", f"{API}/posts/<int:post_id>"): members(200),
    ("PATCH", f"{API}/posts/<int:post_id>"): only("member", 200, 403),
    ("DELETE", f"{API}/posts/<int:post_id>"): author_or_moderator("member"),
    ("POST", f"{API}/posts/<int:post_id>/pin"): moderators(200, outsider=404),
    ("DELETE", f"{API}/posts/<int:post_id>/pin"): moderators(200, outsider=404),
    ("GET", f"{API}/posts/<int:post_id>/comments"): members(200),
    ("POST", f"{API}/posts/<int:post_id>/comments"): writers(201),
    ("PATCH", f"{API}/comments/<int:comment_id>"): only("host", 200, 403),
    ("DELETE", f"{API}/comments/<int:comment_id>"): author_or_moderator("host"),
    ("PUT", f"{API}/posts/<int:post_id>/reactions/<kind>"): writers(200),
    ("DELETE", f"{API}/posts/<int:post_id>/reactions/<kind>"): writers(200),
    # canteens and meals: the host hosts the canteen; moderators manage canteens, not meals
    ("POST", f"{N}/canteens"): moderators(201),
    ("GET", f"{N}/canteens"): members(200, outsider=403),
    ("GET", f"{API}/canteens/<int:canteen_id>"): members(200),
    ("PATCH", f"{API}/canteens/<int:canteen_id>"): hosts(200, moderator=200),
    ("POST", f"{API}/canteens/<int:canteen_id>/hosts/<int:user_id>"): moderators(201, outsider=404),
    ("DELETE", f"{API}/canteens/<int:canteen_id>/hosts/<int:user_id>"): moderators(
        204, outsider=404
    ),
    ("POST", f"{API}/canteens/<int:canteen_id>/meals"): hosts(201),
    ("GET", f"{N}/meals"): members(200, outsider=403),
    ("GET", f"{API}/meals/<int:meal_id>"): members(200),
    ("PATCH", f"{API}/meals/<int:meal_id>"): hosts(200),
    # the draft meal: only its hosts know it exists
    ("POST", f"{API}/meals/<int:meal_id>/publish"): only("host", 200, 404),
    ("POST", f"{API}/meals/<int:meal_id>/cancel"): hosts(200),
    # the member already has a seat (409)
    ("POST", f"{API}/meals/<int:meal_id>/signups"): writers(201, member=409),
    ("GET", f"{API}/meals/<int:meal_id>/signups"): hosts(200),
    # the member and the suspended member signed up before the suspension
    ("GET", f"{API}/meals/<int:meal_id>/signups/me"): members(404, member=200, suspended=200),
    ("DELETE", f"{API}/meals/<int:meal_id>/signups/me"): members(404, member=204, suspended=204),
    ("POST", f"{API}/signups/<int:signup_id>/check-in"): hosts(200),
    ("GET", f"{API}/meals/<int:meal_id>/summary"): hosts(200),
    # meal series: the canteen's hosts, as for its meals
    ("POST", f"{API}/canteens/<int:canteen_id>/series"): hosts(201),
    ("GET", f"{API}/canteens/<int:canteen_id>/series"): hosts(200),
    ("GET", f"{API}/series/<int:series_id>"): hosts(200),
    ("PATCH", f"{API}/series/<int:series_id>"): hosts(200),
    ("DELETE", f"{API}/series/<int:series_id>"): hosts(204),
    ("POST", f"{API}/series/<int:series_id>/skips"): hosts(201),
    # calendars: a meal's .ics as the meal; one's own feed; the feed's secret URL needs no token
    ("GET", f"{API}/meals/<int:meal_id>.ics"): members(200),
    ("GET", f"{API}/me/calendar-feed"): signed_in(200),
    ("POST", f"{API}/me/calendar-feed"): signed_in(201),
    ("DELETE", f"{API}/me/calendar-feed"): signed_in(204),
    ("GET", f"{API}/calendar/<secret>.ics"): anyone(200),
    # messages: the conversation between the member and the moderator
    ("GET", f"{API}/conversations"): signed_in(200),
    ("POST", f"{API}/conversations"): writers(201, outsider=403),
    ("GET", f"{API}/conversations/<int:conversation_id>"): _row(
        outsider=404, default=404, member=200, moderator=200
    ),
    ("GET", f"{API}/conversations/<int:conversation_id>/messages"): _row(
        outsider=404, default=404, member=200, moderator=200
    ),
    ("POST", f"{API}/conversations/<int:conversation_id>/messages"): _row(
        outsider=404, default=404, member=201, moderator=201
    ),
    ("POST", f"{API}/conversations/<int:conversation_id>/read"): _row(
        outsider=404, default=404, member=200, moderator=200
    ),
    # moderation: anyone who can see the neighbour's post may report it (suspended too)
    ("POST", f"{API}/reports"): members(201),
    ("GET", f"{N}/moderation/queue"): moderators(200),
    ("POST", f"{API}/moderation/items/<int:item_id>/decide"): moderators(200, outsider=404),
    ("GET", f"{N}/moderation/log"): moderators(200),
    ("GET", f"{N}/moderation/settings"): moderators(200),
    ("PATCH", f"{N}/moderation/settings"): moderators(200),
    # notifications: one's own
    ("GET", f"{API}/notifications"): signed_in(200),
    ("POST", f"{API}/notifications/read"): signed_in(200),
    ("GET", f"{API}/me/notification-settings"): signed_in(200),
    ("PATCH", f"{API}/me/notification-settings"): signed_in(200),
    # the event log: one's own rooms
    ("GET", f"{API}/events"): signed_in(200),
}


def _user_param(world: World, rule: str, method: str) -> int:
    if rule.endswith(("/approve", "/decline")):
        return world.pending.id
    if "/hosts/" in rule:
        host = world.actors["host"]
        member = world.actors["member"]
        assert host and member
        return host.id if method == "DELETE" else member.id
    if rule.endswith("/block") and method == "DELETE":
        return world.troll.id
    return world.neighbour.id


def path_for(world: World, method: str, rule: str) -> str:
    """The rule with its parameters filled from the world."""
    values: dict[str, Callable[[], Any]] = {
        "neighbourhood_id": lambda: world.neighbourhood_id,
        "user_id": lambda: _user_param(world, rule, method),
        "session_id": lambda: world.spare_session_id,
        "post_id": lambda: world.post_id,
        "comment_id": lambda: world.comment_id,
        "kind": lambda: "like",
        "canteen_id": lambda: world.canteen_id,
        "meal_id": lambda: world.draft_meal_id if rule.endswith("/publish") else world.meal_id,
        "signup_id": lambda: world.signup_id,
        "conversation_id": lambda: world.conversation_id,
        "item_id": lambda: world.item_id,
        "series_id": lambda: world.series_id,
        "secret": lambda: world.feed_secret,
    }
    path = rule
    for name, value in values.items():
        for converter in ("<int:", "<"):
            placeholder = f"{converter}{name}>"
            if placeholder in path:
                path = path.replace(placeholder, str(value()))
    assert "<" not in path, f"no value for a parameter of {rule}"
    return path


_serial = iter(range(10**9))


def body_for(world: World, method: str, rule: str, role: str) -> dict | None:
    """A minimal valid body, so that the status says who may, not what was wrong."""
    starts = utcnow() + timedelta(days=5)
    bodies: dict[tuple[str, str], Callable[[], dict]] = {
        ("POST", f"{API}/auth/register"): lambda: {
            "email": f"newcomer{next(_serial)}@example.org",
            "password": TEST_PASSWORD,
            "display_name": "Newcomer",
        },
        ("POST", f"{API}/auth/login"): lambda: {
            "email": (world.actors["member"] or world.neighbour).email,
            "password": TEST_PASSWORD,
        },
        ("PATCH", f"{API}/me"): lambda: {"bio": "Cooks on Sundays."},
        ("PATCH", f"{API}/me/notification-settings"): lambda: {"free_seats_digest": True},
        ("DELETE", f"{API}/me"): lambda: {"password": TEST_PASSWORD},
        ("POST", f"{API}/me/password"): lambda: {
            "current_password": TEST_PASSWORD,
            "new_password": "another-long-and-unguessable-phrase-7",
        },
        ("POST", f"{API}/neighbourhoods"): lambda: {
            "name": "Les Pentes",
            "city": "Lyon",
            "latitude": 45.77,
            "longitude": 4.83,
            "radius_m": 800,
            "join_policy": "open",
        },
        ("POST", f"{N}/join"): lambda: {},
        ("PATCH", f"{N}/members/<int:user_id>"): lambda: {"role": "host"},
        ("POST", f"{N}/posts"): lambda: {
            "category": "offer",
            "title": "Spare tomatoes",
            "body": "Come and take some.",
        },
        ("PATCH", f"{API}/posts/<int:post_id>"): lambda: {"title": "Ladder (lent)"},
        ("POST", f"{API}/posts/<int:post_id>/comments"): lambda: {"body": "Thanks!"},
        ("PATCH", f"{API}/comments/<int:comment_id>"): lambda: {"body": "I need one, please!"},
        ("POST", f"{N}/canteens"): lambda: {
            "name": "Cantine des Pentes",
            "address": "3 montée de la Grande Côte",
            "timezone": "Europe/Paris",
            "default_capacity": 20,
        },
        ("PATCH", f"{API}/canteens/<int:canteen_id>"): lambda: {"name": "La Cantine"},
        ("POST", f"{API}/canteens/<int:canteen_id>/meals"): lambda: {
            "title": "Couscous",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
        },
        ("PATCH", f"{API}/meals/<int:meal_id>"): lambda: {"menu": "Soupe, pain, fromage"},
        ("POST", f"{API}/meals/<int:meal_id>/cancel"): lambda: {"reason": "The oven broke."},
        ("POST", f"{API}/meals/<int:meal_id>/signups"): lambda: {"pool": "table"},
        ("POST", f"{API}/signups/<int:signup_id>/check-in"): lambda: {"attendance": "attended"},
        ("POST", f"{API}/conversations"): lambda: {"participant_ids": [world.neighbour.id]},
        ("POST", f"{API}/conversations/<int:conversation_id>/messages"): lambda: {"body": "Hi"},
        ("POST", f"{API}/conversations/<int:conversation_id>/read"): lambda: {
            "up_to_message_id": world.message_id
        },
        ("POST", f"{API}/reports"): lambda: {
            "target_type": "post",
            "target_id": world.neighbour_post_id,
            "reason": "other",
        },
        ("POST", f"{API}/moderation/items/<int:item_id>/decide"): lambda: {
            "action": "dismiss",
            "reason": "Not spam.",
        },
        ("PATCH", f"{N}/moderation/settings"): lambda: {"report_threshold": 4},
        ("POST", f"{API}/canteens/<int:canteen_id>/series"): lambda: {
            "title": "Dinner",
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "starts_on": world.series_day,
            "start_time": "19:00",
            "count": 1,
        },
        ("PATCH", f"{API}/series/<int:series_id>"): lambda: {"menu": "Soupe, pain"},
        ("POST", f"{API}/series/<int:series_id>/skips"): lambda: {"date": world.series_day},
        ("POST", f"{API}/notifications/read"): lambda: {"all": True},
    }
    make = bodies.get((method, rule))
    return make() if make else None


# --- fixtures: one app for the module, worlds rebuilt only when a case may have changed one --


@dataclass
class Worlds:
    """One world per module, built once inside the module's transaction; a case that may
    change it runs inside a savepoint that is rolled back before the next case."""

    app: Flask
    connection: Connection
    world: World | None = None
    savepoint: Any = None
    dirty: bool = False

    def fresh(self, *, will_write: bool) -> World:
        if self.world is None:
            self.world = build_world(self.app)
            db.session.commit()
            self.savepoint = self.connection.begin_nested()
        elif self.dirty:
            db.session.close()  # the test's own session ends its savepoint first
            self.savepoint.rollback()
            self.savepoint = self.connection.begin_nested()
        self.dirty = will_write
        return self.world


@pytest.fixture(scope="module")
def matrix_app(shared_app: Flask, _rolled_back: RolledBack) -> Iterator[tuple[Flask, Connection]]:
    # argon2id at its real cost takes seconds here; the matrix is about who, not hashing.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_module, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        with (
            restored(shared_app),
            _rolled_back.test() as connection,
            shared_app.app_context(),
        ):
            yield shared_app, connection


@pytest.fixture(scope="module")
def worlds(matrix_app: tuple[Flask, Connection]) -> Worlds:
    return Worlds(*matrix_app)


@pytest.fixture
def matrix_client(matrix_app: tuple[Flask, Connection]) -> FlaskClient:
    return matrix_app[0].test_client()


def _rules(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue  # files, not the API
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, rule.rule))
    return found


# --- the tests -------------------------------------------------------------------------------


def test_every_endpoint_has_a_row(matrix_app: tuple[Flask, Connection]) -> None:
    rules = _rules(matrix_app[0])
    missing = sorted(rules - MATRIX.keys())
    stale = sorted(MATRIX.keys() - rules)
    assert not missing, f"endpoints without a row in the authorisation matrix: {missing}"
    assert not stale, f"matrix rows for endpoints that no longer exist: {stale}"


CASES = [
    pytest.param(method, rule, role, id=f"{method} {rule} as {role}")
    for (method, rule), expected in MATRIX.items()
    for role in ROLES
]


@pytest.mark.parametrize(("method", "rule", "role"), CASES)
def test_matrix(
    worlds: Worlds, matrix_client: FlaskClient, method: str, rule: str, role: str
) -> None:
    world = worlds.fresh(will_write=method != "GET")
    response = matrix_client.open(
        path_for(world, method, rule),
        method=method,
        json=body_for(world, method, rule, role),
        headers=world.headers(role),
    )
    expected = MATRIX[(method, rule)][role]
    assert response.status_code == expected, (
        f"{method} {rule} as {role}: {response.status_code}, expected {expected}: "
        f"{response.get_data(as_text=True)[:300]}"
    )
    if expected >= 400:
        # The one error shape (this covers each endpoint's own "needs a token" check).
        assert_error(response, expected)
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), response.headers


# --- lists and single objects agree ----------------------------------------------------------


def _status(client: FlaskClient, world: World, role: str, path: str) -> int:
    return client.get(API + path, headers=world.headers(role)).status_code


def _listed(client: FlaskClient, world: World, role: str, path: str) -> list[dict] | None:
    """Every item of a list, walking its cursors; None when the role may not list it."""
    items: list[dict] = []
    cursor = None
    while True:
        query = {"limit": 100, **({"after": cursor} if cursor else {})}
        response = client.get(API + path, query_string=query, headers=world.headers(role))
        if response.status_code != 200:
            assert response.status_code in (403, 404), response.get_data(as_text=True)
            return None
        body = response.get_json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


def _agree(
    listed: list[dict] | None,
    ids: Callable[[dict], int],
    visible: Callable[[int], bool],
    candidates: list[int],
) -> None:
    """What a list shows opens on its own; what doesn't open is not listed."""
    shown = [ids(item) for item in listed or []]
    for object_id in shown:
        assert visible(object_id), f"{object_id} is listed but not visible on its own"
    for object_id in candidates:
        if not visible(object_id):
            assert object_id not in shown, f"{object_id} is not visible but listed"


LISTS = (
    "neighbourhoods",
    "posts",
    "comments",
    "meals",
    "canteens",
    "members",
    "conversations",
    "messages",
    "notifications",
    "moderation queue",
    "moderation log",
)
SIGNED_IN = [role for role in ROLES if role != "anonymous"]


@pytest.mark.parametrize("role", SIGNED_IN)
@pytest.mark.parametrize("name", LISTS)
def test_lists_and_objects_agree(
    worlds: Worlds, matrix_client: FlaskClient, name: str, role: str
) -> None:
    world = worlds.fresh(will_write=name == "comments")
    client = matrix_client
    a = f"/neighbourhoods/{world.neighbourhood_id}"

    def opens(template: str) -> Callable[[int], bool]:
        def check(object_id: int) -> bool:
            status = _status(client, world, role, template.format(object_id))
            assert status in (200, 404), (template, object_id, status)
            return status == 200

        return check

    by_id: Callable[[dict], int] = lambda item: item["id"]  # noqa: E731
    if name == "neighbourhoods":
        listed = _listed(client, world, role, "/neighbourhoods")
        assert listed is not None
        candidates = [world.neighbourhood_id, world.other_neighbourhood_id]
        _agree(listed, by_id, opens("/neighbourhoods/{}"), candidates)
    elif name == "posts":
        listed = _listed(client, world, role, f"{a}/posts")
        posts = [world.post_id, world.neighbour_post_id, world.hidden_post_id]
        _agree(listed, by_id, opens("/posts/{}"), posts)
        if role == "member":
            assert world.hidden_post_id not in [p["id"] for p in listed or []]
        if role == "moderator":
            assert world.hidden_post_id in [p["id"] for p in listed or []]
    elif name == "comments":
        listed = _listed(client, world, role, f"/posts/{world.post_id}/comments")
        if listed is None:
            assert _status(client, world, role, f"/posts/{world.post_id}") == 404
        headers = world.headers(role)

        # No single-comment GET: an edit tells visible (200 or 403) from invisible (404).
        def comment_visible(comment_id: int) -> bool:
            response = client.patch(
                f"{API}/comments/{comment_id}", json={"body": "Edited"}, headers=headers
            )
            assert response.status_code in (200, 403, 404), response.get_data(as_text=True)
            return response.status_code != 404

        comments = [world.comment_id, world.hidden_comment_id]
        _agree(listed, by_id, comment_visible, comments)
    elif name == "meals":
        listed = _listed(client, world, role, f"{a}/meals")
        _agree(listed, by_id, opens("/meals/{}"), [world.meal_id, world.draft_meal_id])
        assert world.draft_meal_id not in [m["id"] for m in listed or []]
    elif name == "canteens":
        listed = _listed(client, world, role, f"{a}/canteens")
        _agree(listed, by_id, opens("/canteens/{}"), [world.canteen_id])
    elif name == "members":
        listed = _listed(client, world, role, f"{a}/members")
        people = [actor.id for actor in world.actors.values() if actor]
        people += [world.neighbour.id, world.pending.id, world.troll.id]
        _agree(listed, lambda m: m["user"]["id"], opens("/users/{}"), people)
    elif name == "conversations":
        listed = _listed(client, world, role, "/conversations")
        conversations = [world.conversation_id, world.other_conversation_id]
        _agree(listed, by_id, opens("/conversations/{}"), conversations)
    elif name == "messages":
        for conversation_id in (world.conversation_id, world.other_conversation_id):
            listed = _listed(client, world, role, f"/conversations/{conversation_id}/messages")
            alone = _status(client, world, role, f"/conversations/{conversation_id}")
            assert (listed is not None) == (alone == 200), (conversation_id, alone)
            assert all(m["conversation_id"] == conversation_id for m in listed or [])
    elif name == "notifications":
        listed = _listed(client, world, role, "/notifications")
        assert listed is not None
        mine = {n["id"] for n in listed}
        for other in SIGNED_IN:
            if other != role:
                theirs = _listed(client, world, other, "/notifications") or []
                assert not mine & {n["id"] for n in theirs}, (role, other)
        if role == "member":
            assert listed, "the member was told about the comment on their post"
    elif name == "moderation queue":
        listed = _listed(client, world, role, f"{a}/moderation/queue")
        assert (listed is not None) == (role == "moderator")
        for item in listed or []:
            assert item["target_type"] == "post"
            assert opens("/posts/{}")(item["target_id"])
        if role == "moderator":
            assert world.item_id in [item["id"] for item in listed or []]
    elif name == "moderation log":
        listed = _listed(client, world, role, f"{a}/moderation/log")
        assert (listed is not None) == (role == "moderator")


# --- what is invisible looks missing ---------------------------------------------------------

MISSING_ID = 2**31 - 1  # a valid id that no row has


def _missing_path(rule: str) -> str:
    """The rule with every id parameter pointing at nothing."""
    path = rule
    for converter in ("<int:",):
        while converter in path:
            start = path.index(converter)
            path = path[:start] + str(MISSING_ID) + path[path.index(">", start) + 1 :]
    return path.replace("<kind>", "like")


INVISIBLE = [
    pytest.param(method, rule, role, id=f"{method} {rule} as {role}")
    for (method, rule), expected in MATRIX.items()
    for role in ("outsider", "member", "suspended")
    if "<int:" in rule and expected[role] == 404
]


@pytest.mark.parametrize(("method", "rule", "role"), INVISIBLE)
def test_an_invisible_object_answers_like_a_missing_one(
    worlds: Worlds, matrix_client: FlaskClient, method: str, rule: str, role: str
) -> None:
    """Whatever a caller may not see (another neighbourhood's, held, under a parent they can't
    see) gets the very body a missing id gets: a 404 that differs would say what exists."""
    world = worlds.fresh(will_write=method != "GET")
    headers = world.headers(role)
    body = body_for(world, method, rule, role)
    invisible = matrix_client.open(
        path_for(world, method, rule), method=method, json=body, headers=headers
    )
    missing = matrix_client.open(_missing_path(rule), method=method, json=body, headers=headers)
    assert invisible.status_code == 404, invisible.get_data(as_text=True)
    assert missing.status_code == 404, missing.get_data(as_text=True)
    assert invisible.get_json() == missing.get_json()


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/posts/{hidden_post_id}", "member"),
        ("/posts/{hidden_post_id}/comments", "member"),
        ("/comments/{hidden_comment_id}", "member"),
        ("/conversations/{other_conversation_id}", "member"),
        ("/conversations/{other_conversation_id}/messages", "member"),
        ("/meals/{draft_meal_id}", "member"),
        ("/posts/{post_id}", "outsider"),
        ("/comments/{comment_id}", "outsider"),
    ],
)
def test_hidden_content_answers_like_missing_content(
    worlds: Worlds, matrix_client: FlaskClient, path: str, role: str
) -> None:
    """Inside one's own neighbourhood too: a held post, a hidden comment, someone else's
    conversation and a draft meal answer as if they did not exist."""
    world = worlds.fresh(will_write=False)
    method = "PATCH" if path.startswith("/comments") else "GET"
    body = {"body": "Edited"} if method == "PATCH" else None
    headers = world.headers(role)
    real = API + path.format(**vars(world))
    fake = API + re.sub(r"\{\w+\}", str(MISSING_ID), path)
    invisible = matrix_client.open(real, method=method, json=body, headers=headers)
    missing = matrix_client.open(fake, method=method, json=body, headers=headers)
    assert invisible.status_code == missing.status_code == 404, invisible.get_data(as_text=True)
    assert invisible.get_json() == missing.get_json()
