"""One shape for one thing: every person embedded anywhere is the `Person` component."""

from __future__ import annotations

PERSON = {"id", "display_name", "avatar_url"}
# A person's own profile (and what they send to make or change it) is not an embedded person.
# Profiles, not embedded people: their own fields (and a reported profile, as the queue shows it).
PROFILES = {"PublicUser", "PrivateUser", "Register", "ProfileUpdate", "ContentSnapshot"}


def _document(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def _refs(node, found):
    if isinstance(node, dict):
        if "$ref" in node:
            found.add(node["$ref"].rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_the_person_component_is_exactly_id_display_name_and_avatar_url(client):
    person = _document(client)["components"]["schemas"]["Person"]
    assert set(person["properties"]) == PERSON
    assert set(person["required"]) == PERSON


def test_no_other_component_describes_a_person(client):
    schemas = _document(client)["components"]["schemas"]
    lookalikes = sorted(
        name
        for name, schema in schemas.items()
        if "display_name" in schema.get("properties", {}) and name not in PROFILES | {"Person"}
    )
    assert lookalikes == [], "embed `PersonSchema` instead"


def test_every_property_naming_a_person_is_the_person_component(client):
    schemas = _document(client)["components"]["schemas"]
    people = {"author", "user", "reporter", "actor", "participants", "hosts", "from", "person"}
    checked = 0
    for name, schema in schemas.items():
        for prop, spec in schema.get("properties", {}).items():
            if prop not in people or name == "LoginResult":  # `user`: my own profile
                continue
            assert _refs(spec, set()) == {"Person"}, f"{name}.{prop} is not a Person"
            checked += 1
    assert checked >= 8  # posts, comments, messages, conversations, members, canteens, ...


def test_embedded_people_have_the_same_three_fields_in_answers(client, api, auth, kitchen):
    canteen = kitchen.canteen()
    nh = canteen.neighbourhood
    r = api.get(f"/neighbourhoods/{nh.id}/members", as_=nh.moderator)
    assert r.status_code == 200, r.get_json()
    for member in r.get_json()["items"]:
        assert set(member["user"]) == PERSON
        assert "user_id" not in member
    hosts = api.get(f"/canteens/{canteen.id}", as_=canteen.host).get_json()["hosts"]
    assert [set(h) for h in hosts] == [PERSON]
