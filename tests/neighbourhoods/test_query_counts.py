"""Lists cost a bounded number of queries, whatever the page size."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("near", [False, True])
def test_listing_neighbourhoods_costs_the_same_for_5_or_50(auth, api, count_queries, db, near):
    ana = auth.user()
    for i in range(50):
        n = auth.neighbourhood(name=f"Quartier {i:02}", latitude=45.77 + i * 0.0005)
        auth.member(n)
    suffix = "&near=45.77,4.832" if near else ""
    costs = {}
    for limit in (5, 50):
        db.session.expunge_all()  # each request starts cold, as in production
        with count_queries() as statements:
            r = api.get(f"/neighbourhoods?limit={limit}{suffix}", headers=ana.headers)
        assert r.status_code == 200
        assert len(r.get_json()["items"]) == limit
        assert {i["member_count"] for i in r.get_json()["items"]} == {2}
        costs[limit] = len(statements)
    assert costs[5] == costs[50], costs
    assert costs[50] <= 4, costs


def test_listing_members_costs_the_same_for_5_or_50(auth, client, count_queries, db):
    croix = auth.neighbourhood()
    for _ in range(60):
        auth.member(croix)
    url, headers = f"/api/v1/neighbourhoods/{croix.id}/members", croix.moderator.headers
    costs = {}
    for limit in (5, 50):
        db.session.expunge_all()  # each request starts cold, as in production
        with count_queries() as statements:
            r = client.get(f"{url}?limit={limit}", headers=headers)
        assert r.status_code == 200
        items = r.get_json()["items"]
        assert len(items) == limit
        assert all(m["user"]["display_name"] for m in items)
        costs[limit] = len(statements)
    assert costs[5] == costs[50], costs
    assert costs[50] <= 6, costs


def test_listing_blocks_costs_the_same_for_5_or_50(auth, api, count_queries, db):
    from neighbours.accounts.models import Block

    croix = auth.neighbourhood()
    ana = auth.member(croix)
    for _ in range(50):
        db.session.add(Block(blocker_id=ana.id, blocked_id=auth.member(croix).id))
    db.session.commit()
    costs = {}
    for limit in (5, 50):
        db.session.expunge_all()  # each request starts cold, as in production
        with count_queries() as statements:
            r = api.get(f"/me/blocks?limit={limit}", headers=ana.headers)
        assert len(r.get_json()["items"]) == limit
        costs[limit] = len(statements)
    assert costs[5] == costs[50], costs


def test_me_costs_the_same_for_1_or_10_memberships(auth, api, count_queries, db):
    ana, bob = auth.user(), auth.user()
    auth.member(auth.neighbourhood(), ana)
    for _ in range(10):
        auth.member(auth.neighbourhood(), bob)
    costs = []
    for actor in (ana, bob):
        db.session.expunge_all()  # each request starts cold, as in production
        with count_queries() as statements:
            r = api.get("/me", headers=actor.headers)
        assert r.status_code == 200
        costs.append(len(statements))
    assert costs[0] == costs[1], costs
