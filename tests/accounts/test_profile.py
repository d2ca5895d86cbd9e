"""Profiles: /me, export, deletion, public profiles and blocking."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from neighbours.dietary import EU_ALLERGENS
from tests.support.errors import assert_error
from tests.support.settings import TEST_PASSWORD

# --- GET /me ------------------------------------------------------------------------------


def test_me_is_the_private_profile_with_memberships(auth, api):
    ana = auth.user("Ana", languages=["fr"], diets=["vegan"], allergens=["nuts"])
    croix = auth.neighbourhood(name="Croix-Rousse")
    auth.member(croix, ana)
    brotteaux = auth.neighbourhood(name="Brotteaux", join_policy="approval")
    auth.member(brotteaux, ana, status="pending")
    guillotiere = auth.neighbourhood(name="Guillotière")
    auth.member(guillotiere, ana, status="left")

    r = api.get("/me", headers=ana.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["id"] == ana.id
    assert body["email"] == ana.email
    assert body["display_name"] == "Ana"
    assert body["languages"] == ["fr"]
    assert body["dietary"] == {"diets": ["vegan"], "allergens": ["nuts"]}
    assert {"bio", "avatar_url", "created_at"} <= set(body)
    memberships = {m["neighbourhood_id"]: m for m in body["memberships"]}
    assert set(memberships) == {croix.id, brotteaux.id}  # not the one left
    assert memberships[croix.id] == {
        "neighbourhood_id": croix.id,
        "neighbourhood_name": "Croix-Rousse",
        "role": "member",
        "status": "active",
    }
    assert memberships[brotteaux.id]["status"] == "pending"


# --- PATCH /me ----------------------------------------------------------------------------


def test_patch_me_updates_only_what_is_given(auth, api):
    ana = auth.user("Ana", languages=["fr"])
    r = api.patch(
        "/me",
        json={
            "display_name": "  Ana B.  ",
            "bio": "I cook on Sundays.",
            "avatar_url": "https://example.org/ana.png",
            "dietary": {"diets": ["vegetarian", "halal"], "allergens": ["gluten", "sesame"]},
        },
        headers=ana.headers,
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["display_name"] == "Ana B."
    assert body["bio"] == "I cook on Sundays."
    assert body["avatar_url"] == "https://example.org/ana.png"
    assert body["languages"] == ["fr"]  # untouched
    assert body["dietary"] == {"diets": ["vegetarian", "halal"], "allergens": ["gluten", "sesame"]}
    again = api.get("/me", headers=ana.headers).get_json()
    assert again == body

    r = api.patch("/me", json={"languages": ["ar", "pt-BR"]}, headers=ana.headers)
    assert r.get_json()["languages"] == ["ar", "pt-BR"]
    assert r.get_json()["display_name"] == "Ana B."
    r = api.patch("/me", json={"bio": None, "avatar_url": None}, headers=ana.headers)
    assert r.get_json()["bio"] is None
    assert r.get_json()["avatar_url"] is None


def test_patch_me_dietary_changes_only_the_list_given(auth, api):
    ana = auth.user(diets=["halal"], allergens=["peanuts", "milk"])
    r = api.patch("/me", json={"dietary": {"diets": ["vegan"]}}, headers=ana.headers)
    assert r.get_json()["dietary"] == {"diets": ["vegan"], "allergens": ["peanuts", "milk"]}
    r = api.patch("/me", json={"dietary": {"allergens": []}}, headers=ana.headers)
    assert r.get_json()["dietary"] == {"diets": ["vegan"], "allergens": []}
    r = api.patch("/me", json={"dietary": {}}, headers=ana.headers)
    assert r.get_json()["dietary"] == {"diets": ["vegan"], "allergens": []}


def test_patch_me_accepts_every_eu_allergen_and_dedupes(auth, api):
    ana = auth.user()
    r = api.patch("/me", json={"dietary": {"allergens": list(EU_ALLERGENS)}}, headers=ana.headers)
    assert r.get_json()["dietary"]["allergens"] == list(EU_ALLERGENS)
    allergens = [*EU_ALLERGENS[:13], "milk"]
    r = api.patch("/me", json={"dietary": {"allergens": allergens}}, headers=ana.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["dietary"]["allergens"] == list(EU_ALLERGENS[:13])
    assert len(EU_ALLERGENS) == 14


def test_patch_me_unknown_allergen_is_422_naming_it(auth, api, db):
    ana = auth.user(allergens=["nuts"])
    r = api.patch(
        "/me",
        json={"dietary": {"allergens": ["milk", "strawberries"]}},
        headers=ana.headers,
    )
    body = assert_error(r, 422, "dietary")
    errors = body["errors"]["json"]["dietary"]["allergens"]
    assert "1" in {str(k) for k in errors}  # the second item is the bad one
    assert "strawberries" in str(errors)
    allergens = db.session.execute(
        text("SELECT allergens FROM users WHERE id = :id"), {"id": ana.id}
    ).scalar_one()
    assert "nuts" in str(allergens) and "milk" not in str(allergens)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": ""}, "display_name"),
        ({"display_name": None}, "display_name"),
        ({"display_name": "x" * 61}, "display_name"),
        ({"bio": "x" * 501}, "bio"),
        ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"avatar_url": "not a url"}, "avatar_url"),
        ({"languages": ["French"]}, "languages"),
        ({"languages": "fr"}, "languages"),
        ({"languages": ["fr"] * 11}, "languages"),
        ({"dietary": {"diets": ["carnivore"]}}, "dietary"),
        ({"dietary": "vegan"}, "dietary"),
        ({"email": "new@example.org"}, "email"),
        ({"is_admin": True}, "is_admin"),
    ],
)
def test_patch_me_bad_input_is_422_naming_the_field(auth, api, db, body, field):
    ana = auth.user("Ana")
    assert_error(api.patch("/me", json=body, headers=ana.headers), 422, field)
    row = db.session.execute(
        text("SELECT display_name, email, is_admin FROM users WHERE id = :id"), {"id": ana.id}
    ).one()
    assert row.display_name == "Ana"
    assert row.email == ana.email
    assert not row.is_admin


def test_patch_me_non_json_is_400(auth, api):
    ana = auth.user()
    r = api.patch("/me", data="bio=hi", headers=ana.headers, content_type="text/plain")
    assert_error(r, 400)


# --- GET /me/export -----------------------------------------------------------------------


def test_export_holds_everything_about_me_and_no_secrets(auth, api):
    ana = auth.user("Ana", diets=["vegan"])
    croix = auth.neighbourhood()
    auth.member(croix, ana)
    bob = auth.member(croix)
    api.post(f"/users/{bob.id}/block", headers=ana.headers)

    r = api.get("/me/export", headers=ana.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert body["exported_at"].endswith("Z")
    assert body["profile"]["email"] == ana.email
    assert body["profile"]["dietary"]["diets"] == ["vegan"]
    assert [m["neighbourhood_id"] for m in body["memberships"]] == [croix.id]
    assert body["memberships"][0]["status"] == "active"
    assert len(body["sessions"]) == 1
    assert body["sessions"][0]["revoked_at"] is None
    assert [b["user_id"] for b in body["blocked_users"]] == [bob.id]
    assert body["notifications"] == []
    raw = r.get_data(as_text=True)
    assert ana.token not in raw
    assert "argon2" not in raw and "token_hash" not in raw and "password" not in raw


# --- DELETE /me ---------------------------------------------------------------------------


def test_delete_me_anonymises_and_ends_every_session(auth, api, db):
    ana = auth.user("Ana", bio="hello", languages=["fr"], allergens=["milk"])
    second_session = auth.token_for(ana)
    croix = auth.neighbourhood()
    auth.member(croix, ana)
    bob = auth.member(croix)
    api.post(f"/users/{bob.id}/block", headers=ana.headers)

    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=ana.headers)
    assert r.status_code == 204

    assert_error(api.get("/me", headers=ana.headers), 401)
    assert_error(api.get("/me", headers={"Authorization": f"Bearer {second_session}"}), 401)
    r = api.post("/auth/login", json={"email": ana.email, "password": TEST_PASSWORD})
    assert_error(r, 401)

    row = (
        db.session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": ana.id})
        .mappings()
        .one()
    )
    assert row["display_name"] == "A former neighbour"
    assert row["email"] is None and row["password_hash"] is None
    assert row["bio"] is None and row["deleted_at"] is not None
    assert "fr" not in str(row["languages"]) and "milk" not in str(row["allergens"])
    statuses = db.session.execute(
        text("SELECT status FROM memberships WHERE user_id = :id"), {"id": ana.id}
    ).scalars()
    assert set(statuses) == {"left"}
    assert db.session.execute(text("SELECT count(*) FROM blocks")).scalar_one() == 0
    # Others no longer see a member, nor a profile.
    assert_error(api.get(f"/users/{ana.id}", headers=bob.headers), 404)
    members = api.get(f"/neighbourhoods/{croix.id}/members", headers=bob.headers)
    assert ana.id not in [m["user"]["id"] for m in members.get_json()["items"]]


def test_delete_me_email_can_register_again(auth, api):
    ana = auth.user(email="ana@example.org")
    api.delete("/me", json={"password": TEST_PASSWORD}, headers=ana.headers)
    r = api.post(
        "/auth/register",
        json={
            "email": "ana@example.org",
            "password": "correct horse battery staple",
            "display_name": "Ana again",
        },
    )
    assert r.status_code == 201
    assert r.get_json()["id"] != ana.id


def test_delete_me_wrong_password_is_422_naming_password(auth, api):
    ana = auth.user()
    r = api.delete("/me", json={"password": "not my password"}, headers=ana.headers)
    assert_error(r, 422, "password")
    assert api.get("/me", headers=ana.headers).status_code == 200


def test_delete_me_bad_input(auth, api):
    ana = auth.user()
    assert_error(api.delete("/me", json={}, headers=ana.headers), 422, "password")
    assert_error(api.delete("/me", headers=ana.headers), 422, "password")
    r = api.delete("/me", data="pw", content_type="text/plain", headers=ana.headers)
    assert_error(r, 400)
    assert api.get("/me", headers=ana.headers).status_code == 200


# --- GET /users/{id} ----------------------------------------------------------------------


def test_public_profile_of_a_neighbour(auth, api):
    croix = auth.neighbourhood()
    ana = auth.member(croix, name="Ana", bio="hi", languages=["fr"], allergens=["milk"])
    bob = auth.member(croix)
    r = api.get(f"/users/{ana.id}", headers=bob.headers)
    assert r.status_code == 200
    assert r.get_json() == {
        "id": ana.id,
        "display_name": "Ana",
        "bio": "hi",
        "avatar_url": None,
        "languages": ["fr"],
    }


def test_my_own_public_profile_is_visible(auth, api):
    ana = auth.user()
    assert api.get(f"/users/{ana.id}", headers=ana.headers).status_code == 200


@pytest.mark.parametrize("status", ["pending", "declined", "left"])
def test_public_profile_needs_an_active_shared_neighbourhood(auth, api, status):
    croix = auth.neighbourhood()
    ana = auth.member(croix)
    bob = auth.member(croix, status=status)
    for viewer, target in ((bob, ana), (ana, bob)):
        r = api.get(f"/users/{target.id}", headers=viewer.headers)
        body = assert_error(r, 404)
        assert "display_name" not in body


def test_public_profile_of_someone_in_another_neighbourhood_is_404(auth, api):
    ana = auth.member(auth.neighbourhood())
    bob = auth.member(auth.neighbourhood())
    assert_error(api.get(f"/users/{bob.id}", headers=ana.headers), 404)
    assert_error(api.get("/users/999999", headers=ana.headers), 404)


def test_public_profile_across_one_of_several_neighbourhoods(auth, api):
    croix, brotteaux = auth.neighbourhood(), auth.neighbourhood()
    ana = auth.member(croix)
    auth.member(brotteaux, ana)
    bob = auth.member(brotteaux)
    assert api.get(f"/users/{bob.id}", headers=ana.headers).status_code == 200


# --- blocks -------------------------------------------------------------------------------


def test_block_list_and_unblock(auth, api, db):
    croix = auth.neighbourhood()
    ana = auth.member(croix)
    bob = auth.member(croix, name="Bob")
    carla = auth.member(croix, name="Carla")

    assert api.post(f"/users/{bob.id}/block", headers=ana.headers).status_code == 204
    # Idempotent: blocking again is not an error and adds no row.
    assert api.post(f"/users/{bob.id}/block", headers=ana.headers).status_code == 204
    assert api.post(f"/users/{carla.id}/block", headers=ana.headers).status_code == 204
    assert db.session.execute(text("SELECT count(*) FROM blocks")).scalar_one() == 2

    r = api.get("/me/blocks", headers=ana.headers)
    assert r.status_code == 200
    body = r.get_json()
    assert [i["user"]["id"] for i in body["items"]] == [bob.id, carla.id]
    assert body["items"][0]["user"]["display_name"] == "Bob"
    assert body["items"][0]["created_at"].endswith("Z")
    assert body["next_cursor"] is None
    # Blocking is one way.
    assert api.get("/me/blocks", headers=bob.headers).get_json()["items"] == []

    page = api.get("/me/blocks?limit=1", headers=ana.headers).get_json()
    assert [i["user"]["id"] for i in page["items"]] == [bob.id]
    nxt = api.get(f"/me/blocks?limit=1&after={page['next_cursor']}", headers=ana.headers).get_json()
    assert [i["user"]["id"] for i in nxt["items"]] == [carla.id]
    assert nxt["next_cursor"] is None

    assert api.delete(f"/users/{bob.id}/block", headers=ana.headers).status_code == 204
    items = api.get("/me/blocks", headers=ana.headers).get_json()["items"]
    assert [i["user"]["id"] for i in items] == [carla.id]
    assert_error(api.delete(f"/users/{bob.id}/block", headers=ana.headers), 404)


def test_blocking_yourself_is_422(auth, api):
    ana = auth.user()
    assert_error(api.post(f"/users/{ana.id}/block", headers=ana.headers), 422, "user_id", "path")


def test_blocking_someone_you_cannot_see_is_404(auth, api, db):
    ana = auth.member(auth.neighbourhood())
    bob = auth.member(auth.neighbourhood())
    assert_error(api.post(f"/users/{bob.id}/block", headers=ana.headers), 404)
    assert_error(api.post("/users/999999/block", headers=ana.headers), 404)
    assert db.session.execute(text("SELECT count(*) FROM blocks")).scalar_one() == 0


def test_block_list_bad_input(auth, api):
    ana = auth.user()
    assert_error(api.get("/me/blocks?limit=101", headers=ana.headers), 422, "limit", "query")
    assert_error(api.get("/me/blocks?limit=0", headers=ana.headers), 422, "limit", "query")
    assert_error(api.get("/me/blocks?after=%%%", headers=ana.headers), 422, "after", "query")
