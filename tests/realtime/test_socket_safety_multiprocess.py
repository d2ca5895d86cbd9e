"""Live sockets across two gunicorn gevent processes joined by Redis, as in production.

Every way a session ends (logout, a revoked session, a password change, account deletion, an
expired token) cuts its socket on the first process within 2 s of a request made through the
second; suspension and leaving take the socket out of the neighbourhood's room within 2 s. Each
phone first emits every reserved Socket.IO event name, which used to make the server forget the
socket while it kept listening. Then: a flood from one socket does not hold up the others, and
the cap of sockets per user holds across the two processes.
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import select

from neighbours.accounts.models import AccessToken
from neighbours.auth import hash_token
from neighbours.extensions import db
from neighbours.realtime.publish import publish
from neighbours.realtime.rooms import neighbourhood_room, user_room
from tests.realtime import servers
from tests.realtime.test_multiprocess import Phone, _wait_subscribed
from tests.realtime.test_reserved_events import RESERVED
from tests.support.api import PREFIX as API
from tests.support.settings import DATABASE_URL, REDIS_URL, TEST_PASSWORD

# Real commits: gunicorn processes read what the test writes.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.commits,
    pytest.mark.undescribed_events,  # probes
]

TOKEN_TTL_S = 4  # tokens issued by a login on the servers
SOCKETS_PER_USER = 3
CUT_WITHIN_S = 2.0


@pytest.fixture(scope="module")
def prefix() -> str:
    return f"neighbours-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def two_processes(prefix, tmp_path_factory) -> Iterator[list[servers.Server]]:
    """Two production-configured processes with limits on, shared by this module's tests."""
    env = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL or "",
        "REDIS_CHANNEL_PREFIX": prefix,
        "SECRET_KEY": "multiprocess-test-secret",
        "LOG_LEVEL": "info",
        "NEIGHBOURS_ENV": "production",
        "RATELIMIT_ENABLED": "true",
        "TOKEN_TTL_SECONDS": str(TOKEN_TTL_S),
        "SOCKETS_PER_USER": str(SOCKETS_PER_USER),
        "SOCKET_EVENT_RATE": "20",
        "SOCKET_EVENT_BURST": "40",
    }
    log_dir = tmp_path_factory.mktemp("servers")
    with servers.running(env, log_dir, "first", "second") as started:
        yield started


@pytest.fixture
def hard_timeout() -> Iterator[None]:
    def expire(*_args: Any) -> None:
        raise TimeoutError("test exceeded its hard timeout of 90s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(90)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def live(app, make_app, prefix, two_processes, hard_timeout) -> Iterator[Any]:
    """The two processes, phones closed after the test, and an emitter in this process."""

    class Live:
        first, second = two_processes
        phones: list[Phone] = []
        emitter = make_app(REDIS_URL=REDIS_URL, REDIS_CHANNEL_PREFIX=prefix)

        def phone(self, token: str, server: servers.Server | None = None) -> Phone:
            phone = Phone()
            self.phones.append(phone)
            phone.client.connect(
                (server or self.first).url,
                auth={"token": token},
                transports=["websocket"],
                wait_timeout=5,
            )
            assert phone.client.connected
            return phone

        def probe(self, room: str, n: int) -> None:
            with self.emitter.app_context():
                publish("probe", {"n": n}, room)
                db.session.commit()

        def logs(self) -> str:
            return f"{self.first.log()[-4000:]}\n{self.second.log()[-4000:]}"

    ctx = Live()
    try:
        yield ctx
    finally:
        for phone in ctx.phones:
            phone.client.disconnect()


def _heard(phone: Phone, n: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with phone.arrived:
        while True:
            if any(data.get("n") == n for _at, data in phone.heard.get("probe", [])):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            phone.arrived.wait(left)


def _emit_reserved_names(phone: Phone) -> None:
    """Every reserved name as an ordinary event, with and without an ack."""
    for name in RESERVED:
        phone.client.emit(name, {"reason": "client namespace disconnect"})
        ack = phone.client.call(name, {}, timeout=3)
        assert ack["ok"] is False and ack["error"]["code"] == 400, (name, ack)
    assert phone.client.connected


def _post(server: servers.Server, path: str, actor: Any, **kw: Any) -> requests.Response:
    return requests.post(f"{server.url}{API}{path}", headers=actor.headers, timeout=5, **kw)


def _token_id(token: str) -> int:
    return db.session.execute(
        select(AccessToken.id).where(AccessToken.token_hash == hash_token(token))
    ).scalar_one()


def _second_session(auth: Any, actor: Any) -> Any:
    return type(actor)(actor.id, actor.email, auth.token_for(actor))


# Each ends the phone's session through the second process.
def _logout(live, auth, me) -> requests.Response:
    return _post(live.second, "/auth/logout", me)


def _revoke_session(live, auth, me) -> requests.Response:
    other = _second_session(auth, me)
    return requests.delete(
        f"{live.second.url}{API}/me/sessions/{_token_id(me.token)}",
        headers=other.headers,
        timeout=5,
    )


def _change_password(live, auth, me) -> requests.Response:
    other = _second_session(auth, me)
    return _post(
        live.second,
        "/me/password",
        other,
        json={"current_password": TEST_PASSWORD, "new_password": "un-autre-mot-de-passe-42-lyon"},
    )


def _delete_account(live, auth, me) -> requests.Response:
    return requests.delete(
        f"{live.second.url}{API}/me",
        json={"password": TEST_PASSWORD},
        headers=me.headers,
        timeout=5,
    )


@pytest.mark.parametrize(
    "end_session",
    [_logout, _revoke_session, _change_password, _delete_account],
    ids=["logout", "revoke-session", "password-change", "account-deletion"],
)
def test_an_ended_session_is_cut_on_the_other_process_within_2s(live, auth, end_session):
    quartier = auth.neighbourhood()
    me = auth.member(quartier)
    phone = live.phone(me.token)
    _wait_subscribed(live.emitter.config["REDIS_CHANNEL_PREFIX"])
    _emit_reserved_names(phone)
    live.probe(neighbourhood_room(quartier.id), 1)
    assert _heard(phone, 1, 1.0), "in the neighbourhood's room"

    started = time.monotonic()
    r = end_session(live, auth, me)
    assert r.status_code in (200, 204), r.text

    gone = phone.wait_disconnected(CUT_WITHIN_S)
    assert gone is not None, f"socket not cut within {CUT_WITHIN_S}s\n{live.logs()}"
    assert gone - started < CUT_WITHIN_S
    print(f"\n{end_session.__name__} -> cut on the other process: {gone - started:.3f}s")


def test_a_token_that_expires_while_connected_is_cut_within_2s(live, auth):
    me = auth.user()
    r = requests.post(
        f"{live.second.url}{API}/auth/login",
        json={"email": me.email, "password": TEST_PASSWORD},
        timeout=5,
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    expires_at = db.session.execute(
        select(AccessToken.expires_at).where(AccessToken.token_hash == hash_token(token))
    ).scalar_one()
    phone = live.phone(token)
    _emit_reserved_names(phone)
    left = (expires_at - _now()).total_seconds()
    assert left > 1, "the phone connected well before its token expires"

    gone = phone.wait_disconnected(left + CUT_WITHIN_S + 1)
    assert gone is not None, f"socket not cut after its token expired\n{live.logs()}"
    late = gone - (time.monotonic() + (expires_at - _now()).total_seconds())
    print(f"\ntoken expiry -> cut: {late:.3f}s after expiry")
    assert -0.5 < late < CUT_WITHIN_S


def _now() -> Any:
    from neighbours.database import utcnow

    return utcnow()


def _suspend(live, auth, quartier, me) -> requests.Response:
    post = _post(
        live.second,
        f"/neighbourhoods/{quartier.id}/posts",
        me,
        json={"category": "general", "title": "Montres pas chères", "body": "Achetez"},
    )
    assert post.status_code == 201, post.text
    reporter = auth.member(quartier)
    report = _post(
        live.second,
        "/reports",
        reporter,
        json={"target_type": "post", "target_id": post.json()["id"], "reason": "spam"},
    )
    assert report.status_code == 201, report.text
    return _post(
        live.second,
        f"/moderation/items/{report.json()['item_id']}/decide",
        quartier.moderator,
        json={"action": "suspend", "reason": "Spam", "suspend_days": 7},
    )


def _leave(live, auth, quartier, me) -> requests.Response:
    return requests.delete(
        f"{live.second.url}{API}/neighbourhoods/{quartier.id}/members/me",
        headers=me.headers,
        timeout=5,
    )


@pytest.mark.parametrize("change", [_suspend, _leave], ids=["suspension", "leaving"])
def test_a_socket_stops_hearing_a_neighbourhood_within_2s_on_the_other_process(live, auth, change):
    quartier = auth.neighbourhood()
    me = auth.member(quartier)
    auth.member(quartier)  # so that leaving is allowed
    phone = live.phone(me.token)
    _wait_subscribed(live.emitter.config["REDIS_CHANNEL_PREFIX"])
    _emit_reserved_names(phone)
    live.probe(neighbourhood_room(quartier.id), 1)
    assert _heard(phone, 1, 1.0), "in the neighbourhood's room"

    started = time.monotonic()
    r = change(live, auth, quartier, me)
    assert r.status_code in (200, 204), r.text

    time.sleep(max(0.0, started + CUT_WITHIN_S - time.monotonic()))
    live.probe(neighbourhood_room(quartier.id), 2)
    live.probe(user_room(me.id), 3)
    assert _heard(phone, 3, 1.0), "still connected, and hearing their own room"
    assert not _heard(phone, 2, 0.3), f"still in the neighbourhood's room\n{live.logs()}"


def test_a_flood_from_one_socket_does_not_hold_up_the_others(live, auth):
    flooder_actor, other = auth.user(), auth.user()
    flooder = live.phone(flooder_actor.token)
    neighbour = live.phone(other.token)
    _wait_subscribed(live.emitter.config["REDIS_CHANNEL_PREFIX"])
    refused: list[Any] = []
    sent = [0]
    flooding = threading.Event()

    def flood() -> None:
        for n in range(2000):
            try:
                flooder.client.emit("meal:watch", {"meal_id": 1}, callback=refused.append)
            except socketio.exceptions.SocketIOError:
                break  # cut by the server
            sent[0] = n + 1
            if n == 100:
                flooding.set()
        flooding.set()

    thread = threading.Thread(target=flood)
    thread.start()
    flooding.wait(5)
    acks, lives = [], []
    for n in range(5):
        started = time.monotonic()
        ack = neighbour.client.call("meal:unwatch", {"meal_id": 1}, timeout=10)
        acks.append(time.monotonic() - started)
        assert ack["ok"] is True, ack
        started = time.monotonic()
        live.probe(user_room(other.id), 100 + n)
        assert _heard(neighbour, 100 + n, 10)
        lives.append(time.monotonic() - started)
    thread.join(30)
    print(
        f"\nflood of {sent[0]} events: neighbour's ack max {max(acks) * 1000:.0f} ms, "
        f"live event max {max(lives) * 1000:.0f} ms; {len(refused)} acks to the flooder"
    )
    assert max(acks) < 1.0 and max(lives) < 1.0
    assert any(isinstance(a, dict) and a.get("error", {}).get("code") == 429 for a in refused), (
        refused[:5]
    )
    assert flooder.wait_disconnected(2) is not None, "a socket that keeps flooding is cut"
    assert neighbour.client.connected


class CapPhone(Phone):
    def __init__(self) -> None:
        super().__init__()
        self.refusal: Any = None
        self.client.on("connect_error", self._refused)

    def _refused(self, data: Any = None) -> None:
        self.refusal = data


def test_the_cap_of_sockets_per_user_holds_across_processes(live, auth):
    me, other = auth.user(), auth.user()
    tokens = [me.token] + [auth.token_for(me) for _ in range(SOCKETS_PER_USER)]
    held = [
        live.phone(tokens[0], live.first),
        live.phone(tokens[1], live.second),
        live.phone(tokens[2], live.first),
    ]
    assert len(held) == SOCKETS_PER_USER

    for server in (live.first, live.second):
        over = CapPhone()
        live.phones.append(over)
        with pytest.raises(socketio.exceptions.ConnectionError):
            over.client.connect(
                server.url, auth={"token": tokens[3]}, transports=["websocket"], wait_timeout=5
            )
        assert over.refusal["reason"] == "too_many_sockets", over.refusal
        assert over.refusal["message"].startswith("Too many live connections")
    assert live.phone(other.token, live.second).client.connected, "others are not affected"

    held[0].client.disconnect()  # on the first process: frees a place on the second
    deadline = time.monotonic() + 2
    while True:
        again = CapPhone()
        live.phones.append(again)
        try:
            again.client.connect(
                live.second.url, auth={"token": tokens[3]}, transports=["websocket"]
            )
            break
        except socketio.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "a closed socket frees its place"
            time.sleep(0.1)
    assert again.client.connected


# --- raw packets: what no official client sends ---------------------------------------------


def _raw_socket(live: Any, token: str) -> Any:
    """A Socket.IO connection spoken by hand over a websocket, signed in."""
    import websocket

    ws = websocket.create_connection(
        f"ws://127.0.0.1:{live.first.port}/socket.io/?EIO=4&transport=websocket", timeout=5
    )
    assert ws.recv().startswith("0")  # Engine.IO open
    ws.send("40" + json.dumps({"token": token}))
    reply = ws.recv()
    assert reply.startswith("40"), reply
    return ws


def _closed_within(ws: Any, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (pings don't count)."""
    import websocket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if ws.recv() in ("", None) or not ws.connected:
                return True
        except websocket.WebSocketTimeoutException:
            return False
        except (websocket.WebSocketConnectionClosedException, OSError):
            return True
    return False


def test_a_binary_packet_cuts_its_socket_before_anything_is_buffered(live, auth):
    """python-socketio buffered up to 10^10 attachments of a binary packet that never ends:
    150 frames of 990 KB took a worker from 123 to 266 MB. No event takes binary data."""
    me = auth.user()
    ws = _raw_socket(live, me.token)
    ws.send('451-["meal:watch",{"_placeholder":true,"num":0}]')
    assert _closed_within(ws, 2), "a binary event must cut its socket"
    # Its place under the per-user cap is given back: the owner connects again.
    again = _raw_socket(live, me.token)
    again.close()


@pytest.mark.parametrize(
    "packet",
    [
        '42["meal:watch",' + "[" * 5000 + "]" * 5000 + "]",
        '42["meal:watch",{"meal_id":1}',
        "4" + "9" * 200 + '["meal:watch"]',
        "49junk",
    ],
    ids=["deep", "truncated", "huge-id", "unknown-type"],
)
def test_an_undecodable_packet_cuts_its_socket_in_one_log_line(live, auth, packet):
    me = auth.user()
    ws = _raw_socket(live, me.token)
    before = live.first.log().count("Traceback")
    ws.send(packet)
    assert _closed_within(ws, 2), "an undecodable packet must cut its socket"
    assert live.first.log().count("Traceback") == before, live.first.log()[-3000:]


def test_an_event_with_extra_arguments_is_a_422_ack(live, auth):
    me = auth.user()
    ws = _raw_socket(live, me.token)
    ws.send('421["meal:unwatch",{"meal_id":1},2]')
    ws.settimeout(5)
    reply = ws.recv()
    while reply == "2":  # an Engine.IO ping
        ws.send("3")
        reply = ws.recv()
    assert reply.startswith("431"), reply
    ack = json.loads(reply[3:])[0]
    assert ack["ok"] is False and ack["error"]["code"] == 422, ack
    ws.close()


def test_a_bad_packet_over_polling_neither_hangs_nor_repeats(live):
    """Over long-polling, without signing in: a packet that can't be decoded answered nothing
    (the cut waited for a queue nothing drains), and each such request held a worker connection
    for good, so 2,000 froze a process. Now the POST answers at once, the rest of its payload is
    dropped in silence, and the process keeps serving."""
    base = f"{live.first.url}/socket.io/?EIO=4&transport=polling"
    opened = requests.get(base, timeout=5)
    assert opened.status_code == 200, opened.text
    sid = json.loads(opened.text[1:])["sid"]
    before = live.first.log().count("undecodable packet")
    started = time.monotonic()
    posted = requests.post(f"{base}&sid={sid}", data="42[\x1e42[\x1e42[", timeout=5)
    assert time.monotonic() - started < 2, "the POST must answer at once"
    assert posted.status_code in (200, 400), posted.text
    assert requests.get(f"{live.first.url}/healthz", timeout=5).status_code == 200
    time.sleep(0.2)
    assert live.first.log().count("undecodable packet") - before == 1, live.first.log()[-2000:]
