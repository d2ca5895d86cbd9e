from tests.helpers import assert_error


def test_register_login_me(client):
    r = client.post(
        "/api/v1/auth/register",
        json={
            "email": "Ana@Example.org",
            "password": "correct horse battery staple",
            "display_name": "Ana",
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["email"] == "ana@example.org"
    r = client.post(
        "/api/v1/auth/login",
        json={"email": "ana@example.org", "password": "correct horse battery staple"},
    )
    assert r.status_code == 200, r.get_json()
    token = r.get_json()["access_token"]
    assert r.get_json()["expires_at"].endswith("Z")
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.get_json()
    print(r.get_json())


def test_not_found_is_json(client):
    assert_error(client.get("/nope"), 404)
    assert_error(client.delete("/healthz"), 405)
