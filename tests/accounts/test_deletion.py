"""Deleting an account: future seats go to the waitlist, a neighbourhood keeps its moderator."""

from __future__ import annotations

from neighbours.extensions import db
from neighbours.meals.models import Signup, SignupStatus
from tests.support.errors import assert_error
from tests.support.settings import TEST_PASSWORD


def test_deletion_frees_future_seats_for_the_waitlist(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, pools={"table": 2})
    nh = canteen.neighbourhood
    leaving, staying, waiting = auth.member(nh), auth.member(nh), auth.member(nh)
    for person, party in ((leaving, 2), (waiting, 1), (staying, 2)):
        r = api.post(
            f"/meals/{meal.id}/signups",
            json={"pool": "table", "party_size": party},
            headers=person.headers,
        )
        assert r.status_code == 201

    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=leaving.headers)

    assert r.status_code == 204
    db.session.expire_all()
    statuses = {s.user_id: s.status for s in db.session.execute(db.select(Signup)).scalars()}
    assert statuses == {
        leaving.id: SignupStatus.CANCELLED,
        waiting.id: SignupStatus.CONFIRMED,
        staying.id: SignupStatus.WAITLISTED,
    }
    seats = api.get(f"/meals/{meal.id}", headers=waiting.headers).get_json()
    assert seats["availability"]["table"] == {"capacity": 2, "taken": 1, "left": 1, "waitlist": 1}
    notes = api.get("/notifications", headers=waiting.headers).get_json()["items"]
    assert [n["type"] for n in notes] == ["waitlist_promoted"]


def test_the_last_moderator_of_a_lively_neighbourhood_cannot_vanish(api, auth):
    nh = auth.neighbourhood()
    auth.member(nh)
    moderator = nh.moderator

    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=moderator.headers)

    body = assert_error(r, 409)
    assert str(nh.id) in body["message"]
    assert api.get("/me", headers=moderator.headers).status_code == 200


def test_a_moderator_alone_in_their_neighbourhood_can_leave(api, auth):
    nh = auth.neighbourhood()
    r = api.delete("/me", json={"password": TEST_PASSWORD}, headers=nh.moderator.headers)
    assert r.status_code == 204
