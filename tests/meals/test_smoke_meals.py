def test_flow(client, auth, kitchen):
    canteen = kitchen.canteen(capacity=3)
    meal = kitchen.meal(canteen, pools={"table": 3, "kitchen": 1}, allergens=["nuts"])
    nh = canteen.neighbourhood
    people = [auth.member(nh, allergens=["nuts"]) for _ in range(5)]
    r = client.post(f"/api/v1/meals/{meal.id}/signups", json={"pool": "table", "party_size": 2}, headers=people[0].headers)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "confirmed"
    assert r.get_json()["warnings"] == ["nuts"]
    r = client.post(f"/api/v1/meals/{meal.id}/signups", json={"pool": "table", "party_size": 2}, headers=people[1].headers)
    assert r.get_json()["status"] == "waitlisted", r.get_json()
    assert r.get_json()["waitlist_position"] == 1
    r = client.post(f"/api/v1/meals/{meal.id}/signups", json={"pool": "table", "party_size": 1}, headers=people[2].headers)
    assert r.get_json()["status"] == "confirmed", r.get_json()
    r = client.get(f"/api/v1/meals/{meal.id}", headers=people[0].headers)
    assert r.get_json()["availability"]["table"] == {"capacity": 3, "taken": 3, "left": 0, "waitlist": 1}, r.get_json()
    r = client.delete(f"/api/v1/meals/{meal.id}/signups/me", headers=people[0].headers)
    assert r.status_code == 204
    r = client.get(f"/api/v1/meals/{meal.id}/signups/me", headers=people[1].headers)
    assert r.get_json()["status"] == "confirmed"
    r = client.get(f"/api/v1/meals/{meal.id}/signups", headers=canteen.host.headers)
    assert r.status_code == 200, r.get_json()
    print(r.get_json())
    r = client.get(f"/api/v1/neighbourhoods/{nh.id}/meals", headers=people[3].headers)
    assert r.status_code == 200, r.get_json()
    assert len(r.get_json()["items"]) == 1
    r = client.get(f"/api/v1/meals/{meal.id}/summary", headers=canteen.host.headers)
    assert r.status_code == 200, r.get_json()
    print(r.get_json())
