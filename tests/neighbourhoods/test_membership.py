"""Joining, invites, approval, roles, leaving and member lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from neighbours.neighbourhoods.services import INVITE_ALPHABET
from tests.support.api import v1
from tests.support.errors import assert_error

LOOK_ALIKES = set("0O1IL2Z5S8B")


def _join(client, neighbourhood, actor, **body):
    return client.post(
        v1(f"/neighbourhoods/{neighbourhood.id}/join"), json=body, headers=actor.headers
    )


def _invite(client, neighbourhood, actor):
    return client.post(v1(f"/neighbourhoods/{neighbourhood.id}/invites"), headers=actor.headers)


# --- POST /neighbourhoods/{id}/join -------------------------------------------------------


def test_join_an_open_neighbourhood_is_active_at_once(auth, client, api, membership_of):
    croix = auth.neighbourhood(join_policy="open")
    ana = auth.user()
    r = _join(client, croix, ana)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "active"
    assert body["role"] == "member"
    assert body["neighbourhood_id"] == croix.id
    assert body["user_id"] == ana.id
    assert membership_of(croix.id, ana.id) == ("active", "member")
    detail = api.get(f"/neighbourhoods/{croix.id}", headers=ana.headers).get_json()
    assert detail["member_count"] == 2
    assert detail["my_membership"] == {"status": "active", "role": "member"}


def test_join_an_approval_neighbourhood_is_pending(auth, client, api, membership_of, db):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.user()
    r = _join(client, croix, ana, message="  I live on rue d'Austerlitz  ")
    assert r.status_code == 201
    assert r.get_json()["status"] == "pending"
    assert r.get_json()["role"] == "member"
    assert membership_of(croix.id, ana.id) == ("pending", "member")
    message = db.session.execute(
        text("SELECT message FROM memberships WHERE user_id = :u"), {"u": ana.id}
    ).scalar_one()
    assert message == "I live on rue d'Austerlitz"
    # Pending is not a member yet.
    assert_error(api.get(f"/neighbourhoods/{croix.id}/members", headers=ana.headers), 403)


def test_join_an_invite_neighbourhood_needs_a_code(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="invite")
    ana = auth.user()
    assert_error(_join(client, croix, ana), 422, "invite_code")
    assert membership_of(croix.id, ana.id) is None
    code = _invite(client, croix, croix.moderator).get_json()["code"]
    r = _join(client, croix, ana, invite_code=code.lower())
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "active"
    assert membership_of(croix.id, ana.id) == ("active", "member")


def test_an_invite_code_skips_approval(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.user()
    code = _invite(client, croix, croix.moderator).get_json()["code"]
    assert _join(client, croix, ana, invite_code=code).get_json()["status"] == "active"


def test_an_invite_code_is_single_use(auth, client, membership_of, db):
    croix = auth.neighbourhood(join_policy="invite")
    ana, bob = auth.user(), auth.user()
    code = _invite(client, croix, croix.moderator).get_json()["code"]
    assert _join(client, croix, ana, invite_code=code).status_code == 201
    body = assert_error(_join(client, croix, bob, invite_code=code), 422, "invite_code")
    assert "used" in body["errors"]["json"]["invite_code"][0]
    assert membership_of(croix.id, bob.id) is None
    used_by = db.session.execute(
        text("SELECT used_by_id FROM invites WHERE code = :c"), {"c": code}
    ).scalar_one()
    assert used_by == ana.id


def test_an_expired_invite_code_is_refused(auth, client, db, membership_of):
    from neighbours.database import utcnow
    from neighbours.neighbourhoods.models import Invite

    croix = auth.neighbourhood(join_policy="invite")
    ana = auth.user()
    code = _invite(client, croix, croix.moderator).get_json()["code"]
    invite = db.session.query(Invite).filter_by(code=code).one()
    invite.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_error(_join(client, croix, ana, invite_code=code), 422, "invite_code")
    assert membership_of(croix.id, ana.id) is None


def test_an_invite_code_of_another_neighbourhood_is_refused(auth, client, membership_of, db):
    croix = auth.neighbourhood(join_policy="invite")
    vaise = auth.neighbourhood(join_policy="invite")
    ana = auth.user()
    code = _invite(client, vaise, vaise.moderator).get_json()["code"]
    assert_error(_join(client, croix, ana, invite_code=code), 422, "invite_code")
    assert membership_of(croix.id, ana.id) is None
    # ... and it was not spent.
    assert _join(client, vaise, ana, invite_code=code).status_code == 201


def test_joining_twice_is_409_and_does_not_spend_a_code(auth, client):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.user()
    assert _join(client, croix, ana).status_code == 201
    assert_error(_join(client, croix, ana), 409)
    code = _invite(client, croix, croix.moderator).get_json()["code"]
    member = auth.member(croix)
    assert_error(_join(client, croix, member, invite_code=code), 409)
    assert _join(client, croix, auth.user(), invite_code=code).status_code == 201


def test_a_declined_request_cannot_simply_be_repeated(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.member(croix, status="declined")
    assert_error(_join(client, croix, ana), 409)
    assert membership_of(croix.id, ana.id) == ("declined", "member")
    code = _invite(client, croix, croix.moderator).get_json()["code"]
    assert _join(client, croix, ana, invite_code=code).get_json()["status"] == "active"


def test_rejoining_after_leaving(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="open")
    ana = auth.member(croix, role="host", status="left")
    r = _join(client, croix, ana)
    assert r.status_code == 201
    assert membership_of(croix.id, ana.id) == ("active", "member")  # the old role is not back


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"invite_code": "ABC"}, "invite_code"),
        ({"invite_code": "ABCDEFG"}, "invite_code"),
        ({"invite_code": 123456}, "invite_code"),
        ({"message": "x" * 501}, "message"),
        ({"role": "moderator"}, "role"),
    ],
)
def test_join_bad_input_is_422_naming_the_field(auth, client, membership_of, body, field):
    croix = auth.neighbourhood()
    ana = auth.user()
    assert_error(_join(client, croix, ana, **body), 422, field)
    assert membership_of(croix.id, ana.id) is None


def test_join_non_json_is_400(auth, api):
    croix = auth.neighbourhood()
    ana = auth.user()
    r = api.post(
        f"/neighbourhoods/{croix.id}/join",
        data="x",
        content_type="text/plain",
        headers=ana.headers,
    )
    assert_error(r, 400)


def test_join_unknown_neighbourhood_is_404(auth, api):
    ana = auth.user()
    assert_error(api.post("/neighbourhoods/999999/join", headers=ana.headers), 404)


def test_join_without_a_body_is_fine(auth, api):
    croix = auth.neighbourhood()
    ana = auth.user()
    r = api.post(f"/neighbourhoods/{croix.id}/join", headers=ana.headers)
    assert r.status_code == 201


def test_a_user_in_several_neighbourhoods(auth, client, api):
    croix = auth.neighbourhood(name="Croix-Rousse")
    vaise = auth.neighbourhood(name="Vaise", join_policy="approval")
    brotteaux = auth.neighbourhood(name="Brotteaux")
    ana = auth.user()
    assert _join(client, croix, ana).status_code == 201
    assert _join(client, vaise, ana).status_code == 201
    assert _join(client, brotteaux, ana).status_code == 201
    me = api.get("/me", headers=ana.headers).get_json()
    assert {(m["neighbourhood_name"], m["status"]) for m in me["memberships"]} == {
        ("Croix-Rousse", "active"),
        ("Vaise", "pending"),
        ("Brotteaux", "active"),
    }
    for n in (croix, brotteaux):
        r = api.get(f"/neighbourhoods/{n.id}/members", headers=ana.headers)
        assert ana.id in [m["user"]["id"] for m in r.get_json()["items"]]
    assert (
        api.delete(f"/neighbourhoods/{croix.id}/members/me", headers=ana.headers)
    ).status_code == 204
    me = api.get("/me", headers=ana.headers).get_json()
    assert {m["neighbourhood_name"] for m in me["memberships"]} == {"Vaise", "Brotteaux"}
    r = api.get(f"/neighbourhoods/{brotteaux.id}/members", headers=ana.headers)
    assert r.status_code == 200


# --- POST /neighbourhoods/{id}/invites ----------------------------------------------------


def test_invite_codes_are_six_unambiguous_characters_that_expire(auth, client, make_app):
    from datetime import UTC, datetime

    croix = auth.neighbourhood(join_policy="invite")
    codes = set()
    for _ in range(25):
        r = _invite(client, croix, croix.moderator)
        assert r.status_code == 201, r.get_json()
        body = r.get_json()
        assert body["neighbourhood_id"] == croix.id
        code = body["code"]
        assert len(code) == 6
        assert set(code) <= set(INVITE_ALPHABET)
        assert not set(code) & LOOK_ALIKES
        assert code == code.upper()
        expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        assert timedelta(days=6) < expires - datetime.now(UTC) <= timedelta(days=7)
        codes.add(code)
    assert len(codes) == 25
    assert not set(INVITE_ALPHABET) & LOOK_ALIKES


def test_invite_expiry_is_configurable(auth, make_app):
    from datetime import UTC, datetime

    croix = auth.neighbourhood()
    app = make_app(INVITE_TTL_HOURS=2)
    r = app.test_client().post(
        f"/api/v1/neighbourhoods/{croix.id}/invites", headers=croix.moderator.headers
    )
    expires = datetime.fromisoformat(r.get_json()["expires_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=119) < expires - datetime.now(UTC) <= timedelta(hours=2)


def test_invites_are_for_moderators_only(auth, client, api, db):
    croix = auth.neighbourhood(join_policy="invite")
    member = auth.member(croix)
    host = auth.member(croix, role="host")
    pending = auth.member(croix, status="pending")
    outsider = auth.user()
    vaise_moderator = auth.neighbourhood().moderator
    for actor in (member, host, pending, outsider, vaise_moderator):
        assert_error(_invite(client, croix, actor), 403)
    assert db.session.execute(text("SELECT count(*) FROM invites")).scalar_one() == 0
    assert_error(api.post("/neighbourhoods/999999/invites", headers=member.headers), 404)


# --- approve / decline --------------------------------------------------------------------


def _decide(client, neighbourhood, user, actor, action):
    return client.post(
        v1(f"/neighbourhoods/{neighbourhood.id}/members/{user.id}/{action}"),
        headers=actor.headers,
    )


def test_approve_a_pending_request(auth, client, api, membership_of, db):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.user()
    _join(client, croix, ana)
    r = _decide(client, croix, ana, croix.moderator, "approve")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "active"
    assert r.get_json()["user_id"] == ana.id
    assert membership_of(croix.id, ana.id) == ("active", "member")
    decided_by = db.session.execute(
        text("SELECT decided_by_id FROM memberships WHERE user_id = :u"), {"u": ana.id}
    ).scalar_one()
    assert decided_by == croix.moderator.id
    r = api.get(f"/neighbourhoods/{croix.id}/members", headers=ana.headers)
    assert r.status_code == 200
    # Deciding again: it is no longer pending.
    assert_error(_decide(client, croix, ana, croix.moderator, "approve"), 409)
    assert_error(_decide(client, croix, ana, croix.moderator, "decline"), 409)


def test_decline_a_pending_request(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.member(croix, status="pending")
    r = _decide(client, croix, ana, croix.moderator, "decline")
    assert r.status_code == 200
    assert r.get_json()["status"] == "declined"
    assert membership_of(croix.id, ana.id) == ("declined", "member")
    assert_error(_decide(client, croix, ana, croix.moderator, "approve"), 409)


@pytest.mark.parametrize("status", ["active", "declined", "left"])
@pytest.mark.parametrize("action", ["approve", "decline"])
def test_only_pending_requests_can_be_decided(auth, client, membership_of, status, action):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.member(croix, status=status)
    assert_error(_decide(client, croix, ana, croix.moderator, action), 409)
    assert membership_of(croix.id, ana.id) == (status, "member")


@pytest.mark.parametrize("action", ["approve", "decline"])
def test_deciding_is_for_moderators_of_that_neighbourhood(auth, client, membership_of, action):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.member(croix, status="pending")
    member = auth.member(croix)
    host = auth.member(croix, role="host")
    other_moderator = auth.neighbourhood().moderator
    for actor in (member, host, other_moderator, ana):
        assert_error(_decide(client, croix, ana, actor, action), 403)
    assert membership_of(croix.id, ana.id) == ("pending", "member")


@pytest.mark.parametrize("action", ["approve", "decline"])
def test_deciding_someone_without_a_request_is_404(auth, client, api, action):
    croix = auth.neighbourhood(join_policy="approval")
    vaise = auth.neighbourhood(join_policy="approval")
    elsewhere = auth.member(vaise, status="pending")
    assert_error(_decide(client, croix, elsewhere, croix.moderator, action), 404)
    assert_error(
        api.post(
            f"/neighbourhoods/999999/members/{elsewhere.id}/{action}",
            headers=croix.moderator.headers,
        ),
        404,
    )


# --- PATCH /neighbourhoods/{id}/members/{user_id} -----------------------------------------


def _set_role(client, neighbourhood, user, actor, role):
    return client.patch(
        v1(f"/neighbourhoods/{neighbourhood.id}/members/{user.id}"),
        json={"role": role},
        headers=actor.headers,
    )


def test_moderators_change_roles(auth, client, api, membership_of):
    croix = auth.neighbourhood()
    ana = auth.member(croix)
    for role in ("host", "moderator", "member"):
        r = _set_role(client, croix, ana, croix.moderator, role)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["role"] == role
        assert membership_of(croix.id, ana.id) == ("active", role)
    members = api.get(f"/neighbourhoods/{croix.id}/members", headers=ana.headers).get_json()
    roles = {m["user"]["id"]: m["role"] for m in members["items"]}
    assert roles == {croix.moderator.id: "moderator", ana.id: "member"}


def test_the_last_moderator_cannot_be_demoted(auth, client, membership_of):
    croix = auth.neighbourhood()
    moderator = croix.moderator
    assert_error(_set_role(client, croix, moderator, moderator, "member"), 409)
    assert membership_of(croix.id, moderator.id) == ("active", "moderator")
    # With a second moderator, stepping down is fine.
    ana = auth.member(croix, role="moderator")
    assert _set_role(client, croix, moderator, moderator, "host").status_code == 200
    assert membership_of(croix.id, moderator.id) == ("active", "host")
    assert_error(_set_role(client, croix, ana, ana, "member"), 409)
    # Re-affirming the moderator role of the last moderator is fine.
    assert _set_role(client, croix, ana, ana, "moderator").status_code == 200


def test_a_role_is_only_for_active_members(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="approval")
    pending = auth.member(croix, status="pending")
    assert_error(_set_role(client, croix, pending, croix.moderator, "host"), 409)
    assert membership_of(croix.id, pending.id) == ("pending", "member")
    stranger = auth.user()
    assert_error(_set_role(client, croix, stranger, croix.moderator, "host"), 404)


def test_changing_roles_is_for_moderators_of_that_neighbourhood(auth, client, membership_of):
    croix = auth.neighbourhood()
    ana = auth.member(croix)
    host = auth.member(croix, role="host")
    other_moderator = auth.neighbourhood().moderator
    for actor in (ana, host, other_moderator):
        assert_error(_set_role(client, croix, ana, actor, "moderator"), 403)
    assert membership_of(croix.id, ana.id) == ("active", "member")


@pytest.mark.parametrize("body", [{"role": "admin"}, {"role": None}, {}, {"role": "Moderator"}])
def test_role_change_bad_input_is_422_naming_role(auth, api, membership_of, body):
    croix = auth.neighbourhood()
    ana = auth.member(croix)
    r = api.patch(
        f"/neighbourhoods/{croix.id}/members/{ana.id}",
        json=body,
        headers=croix.moderator.headers,
    )
    assert_error(r, 422, "role")
    assert membership_of(croix.id, ana.id) == ("active", "member")
    r = api.patch(
        f"/neighbourhoods/{croix.id}/members/{ana.id}",
        data="role=host",
        content_type="text/plain",
        headers=croix.moderator.headers,
    )
    assert_error(r, 400)


# --- DELETE /neighbourhoods/{id}/members/me -----------------------------------------------


def _leave(client, neighbourhood, actor):
    return client.delete(
        v1(f"/neighbourhoods/{neighbourhood.id}/members/me"), headers=actor.headers
    )


@pytest.mark.parametrize("role", ["member", "host"])
def test_leave(auth, client, api, membership_of, role):
    croix = auth.neighbourhood()
    ana = auth.member(croix, role=role)
    r = _leave(client, croix, ana)
    assert r.status_code == 204
    assert membership_of(croix.id, ana.id) == ("left", "member")
    assert_error(api.get(f"/neighbourhoods/{croix.id}/members", headers=ana.headers), 403)
    detail = api.get(f"/neighbourhoods/{croix.id}", headers=ana.headers).get_json()
    assert detail["member_count"] == 1
    assert_error(_leave(client, croix, ana), 404)


def test_withdraw_a_pending_request(auth, client, membership_of):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.member(croix, status="pending")
    assert _leave(client, croix, ana).status_code == 204
    assert membership_of(croix.id, ana.id) == ("left", "member")


def test_the_last_moderator_cannot_leave_others_behind(auth, client, membership_of):
    croix = auth.neighbourhood()
    moderator = croix.moderator
    auth.member(croix)
    assert_error(_leave(client, croix, moderator), 409)
    assert membership_of(croix.id, moderator.id) == ("active", "moderator")
    auth.member(croix, role="moderator")
    assert _leave(client, croix, moderator).status_code == 204
    assert membership_of(croix.id, moderator.id) == ("left", "member")


def test_the_only_member_may_leave(auth, client, membership_of):
    croix = auth.neighbourhood()
    assert _leave(client, croix, croix.moderator).status_code == 204
    assert membership_of(croix.id, croix.moderator.id) == ("left", "member")


def test_leaving_where_you_are_not_a_member_is_404(auth, client, api):
    croix = auth.neighbourhood()
    assert_error(_leave(client, croix, auth.user()), 404)
    declined = auth.member(croix, status="declined")
    assert_error(_leave(client, croix, declined), 404)
    assert_error(api.delete("/neighbourhoods/999999/members/me", headers=declined.headers), 404)


# --- GET /neighbourhoods/{id}/members -----------------------------------------------------


def test_members_list_active_members_with_roles(auth, api):
    croix = auth.neighbourhood(join_policy="approval")
    host = auth.member(croix, name="Karim", role="host")
    ana = auth.member(croix, name="Ana")
    auth.member(croix, status="pending")
    auth.member(croix, status="left")
    auth.member(auth.neighbourhood())  # another neighbourhood's member
    r = api.get(f"/neighbourhoods/{croix.id}/members", headers=ana.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["next_cursor"] is None
    assert [(m["user"]["id"], m["role"], m["status"]) for m in body["items"]] == [
        (croix.moderator.id, "moderator", "active"),
        (host.id, "host", "active"),
        (ana.id, "member", "active"),
    ]
    karim = body["items"][1]
    assert karim["user"] == {"id": host.id, "display_name": "Karim", "avatar_url": None}
    assert karim["neighbourhood_id"] == croix.id
    assert karim["message"] is None
    assert "email" not in str(body)


def test_pending_requests_are_for_moderators(auth, client):
    croix = auth.neighbourhood(join_policy="approval")
    ana = auth.member(croix)
    bob = auth.user(name="Bob")
    _join(client, croix, bob, message="Bonjour !")
    url = f"/api/v1/neighbourhoods/{croix.id}/members?status=pending"
    r = client.get(url, headers=croix.moderator.headers)
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert [(m["user"]["id"], m["status"], m["message"]) for m in items] == [
        (bob.id, "pending", "Bonjour !")
    ]
    assert_error(client.get(url, headers=ana.headers), 403)
    assert_error(client.get(url, headers=bob.headers), 403)


def test_members_of_another_neighbourhood_are_403(auth, api):
    croix = auth.neighbourhood()
    outsider = auth.member(auth.neighbourhood())
    pending = auth.member(croix, status="pending")
    for actor in (outsider, pending):
        r = api.get(f"/neighbourhoods/{croix.id}/members", headers=actor.headers)
        body = assert_error(r, 403)
        assert "items" not in body
    assert_error(api.get("/neighbourhoods/999999/members", headers=outsider.headers), 404)


def test_members_keyset_pagination_returns_each_member_once(auth, client):
    croix = auth.neighbourhood()
    expected = [croix.moderator.id] + [auth.member(croix).id for _ in range(6)]
    seen, after = [], None
    for _ in range(10):
        url = f"/api/v1/neighbourhoods/{croix.id}/members?limit=3"
        if after:
            url += f"&after={after}"
        page = client.get(url, headers=croix.moderator.headers).get_json()
        seen += [m["user"]["id"] for m in page["items"]]
        auth.member(croix)  # joins while we walk: after the cursor, so seen later
        after = page["next_cursor"]
        if not after:
            break
    assert len(seen) == len(set(seen))
    assert seen[: len(expected)] == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("after=@@@", "after"),
        ("after=WyJ4Il0", "after"),  # ["x"]: a string where an id belongs
        ("status=declined", "status"),
        ("status=whatever", "status"),
    ],
)
def test_members_bad_query_is_422(auth, api, query, field):
    croix = auth.neighbourhood()
    r = api.get(f"/neighbourhoods/{croix.id}/members?{query}", headers=croix.moderator.headers)
    assert_error(r, 422, field, "query")
