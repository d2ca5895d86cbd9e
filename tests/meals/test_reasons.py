"""Meals' refusals carry a stable reason, and their message is in French when asked."""

from __future__ import annotations

from datetime import timedelta

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import Meal
from neighbours.neighbourhoods.models import Suspension
from tests.meals.api import iso, sign_up, signed_up
from tests.support.refusals import french, in_french, refused


def _member(auth, meal):
    return auth.member(meal.canteen_obj.neighbourhood)


def _start_now(meal):
    row = db.session.get(Meal, meal.id)
    row.starts_at = utcnow() - timedelta(minutes=5)
    row.signup_closes_at = row.starts_at
    db.session.commit()


def test_signing_up_twice_is_already_signed_up_in_french_too(api, auth, kitchen):
    meal = kitchen.meal()
    ana = _member(auth, meal)
    signed_up(api.client, meal, ana)
    r = api.post(f"/meals/{meal.id}/signups", json={"pool": "table"}, headers=french(ana.headers))
    body = refused(r, 409, "already_signed_up")
    assert body["message"] == "Vous êtes déjà inscrit à ce repas."
    assert r.headers["Content-Language"] == "fr"


def test_signing_up_after_closing_is_signups_closed(api, auth, kitchen):
    meal = kitchen.meal(closes_at=utcnow() - timedelta(minutes=1))
    ana = _member(auth, meal)
    r = api.post(f"/meals/{meal.id}/signups", json={}, headers=french(ana.headers))
    body = refused(r, 409, "signups_closed")
    assert body["message"] == in_french("Signups for this meal have closed.")


def test_signing_up_for_a_cancelled_meal_is_meal_cancelled_all_in_french(api, auth, kitchen):
    meal = kitchen.meal(status="cancelled")
    ana = _member(auth, meal)
    body = refused(sign_up(api.client, meal, ana), 409, "meal_cancelled")
    assert body["message"] == "This meal is cancelled; signups are closed."
    r = api.post(f"/meals/{meal.id}/signups", json={}, headers=french(ana.headers))
    assert refused(r, 409, "meal_cancelled")["message"] == (
        "Ce repas est annulé ; les inscriptions sont fermées."
    )


def test_a_party_larger_than_the_pool_is_seats_unavailable(api, auth, kitchen):
    meal = kitchen.meal(pools={"table": 2})
    ana = _member(auth, meal)
    r = api.post(f"/meals/{meal.id}/signups", json={"pool": "table", "party_size": 3}, as_=ana)
    refused(r, 422, "invalid_input", field="party_size", field_reason="seats_unavailable")
    r = api.post(
        f"/meals/{meal.id}/signups",
        json={"pool": "table", "party_size": 3},
        headers=french(ana.headers),
    )
    body = refused(r, 422, "invalid_input", field="party_size", field_reason="seats_unavailable")
    assert body["errors"]["json"]["party_size"] == ["Ce groupe de places n'a que 2 places."]


def test_an_unknown_pool_is_not_one_of(api, auth, kitchen):
    meal = kitchen.meal(pools={"table": 2})
    ana = _member(auth, meal)
    r = api.post(f"/meals/{meal.id}/signups", json={"pool": "garden"}, as_=ana)
    refused(r, 422, "invalid_input", field="pool", field_reason="not_one_of")


def test_cancelling_a_signup_once_the_meal_started_is_meal_started(api, auth, kitchen):
    meal = kitchen.meal()
    ana = _member(auth, meal)
    signed_up(api.client, meal, ana)
    _start_now(meal)
    r = api.delete(f"/meals/{meal.id}/signups/me", headers=french(ana.headers))
    body = refused(r, 409, "meal_started")
    assert body["message"] == "Ce repas a commencé ; prévenez plutôt l'hôte."


def test_no_signup_is_not_signed_up(api, auth, kitchen):
    meal = kitchen.meal()
    ana = _member(auth, meal)
    refused(api.get(f"/meals/{meal.id}/signups/me", as_=ana), 404, "not_signed_up")
    refused(api.delete(f"/meals/{meal.id}/signups/me", as_=ana), 404, "not_signed_up")


def test_a_suspended_member_signing_up_is_suspended(api, auth, kitchen):
    meal = kitchen.meal()
    ana = _member(auth, meal)
    db.session.add(
        Suspension(
            neighbourhood_id=meal.neighbourhood_id,
            user_id=ana.id,
            ends_at=utcnow() + timedelta(days=1),
            reason="t",
        )
    )
    db.session.commit()
    r = api.post(f"/meals/{meal.id}/signups", json={}, headers=french(ana.headers))
    body = refused(r, 403, "suspended")
    assert body["message"] == in_french(
        "You can't sign up for meals in this neighbourhood right now."
    )


def test_publishing_what_is_not_a_draft_is_not_a_draft(api, kitchen):
    meal = kitchen.meal()
    host = meal.canteen_obj.host
    body = refused(api.post(f"/meals/{meal.id}/publish", as_=host), 409, "not_a_draft")
    assert body["message"] == "Only a draft can be published; this meal is already published."
    r = api.post(f"/meals/{meal.id}/publish", headers=french(host.headers))
    assert refused(r, 409, "not_a_draft")["message"] == (
        "Seul un brouillon peut être publié ; ce repas est déjà publié."
    )


def test_publishing_a_draft_whose_start_passed_is_meal_in_past(api, kitchen):
    meal = kitchen.meal(status="draft")
    _start_now(meal)
    r = api.post(f"/meals/{meal.id}/publish", as_=meal.canteen_obj.host)
    refused(r, 409, "meal_in_past")


def test_a_member_publishing_is_not_a_host(api, auth, kitchen):
    meal = kitchen.meal()
    ana = _member(auth, meal)
    r = api.post(f"/meals/{meal.id}/publish", headers=french(ana.headers))
    body = refused(r, 403, "not_a_host")
    assert body["message"] == "Seuls les hôtes de cette cantine peuvent faire cela."


def test_creating_a_meal_in_the_past_is_meal_in_past(api, kitchen):
    canteen = kitchen.canteen()
    starts = utcnow() - timedelta(hours=1)
    meal = {"title": "Soupe", "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2))}
    r = api.post(f"/canteens/{canteen.id}/meals", json=meal, headers=french(canteen.host.headers))
    body = refused(r, 422, "invalid_input", field="starts_at", field_reason="meal_in_past")
    assert body["errors"]["json"]["starts_at"] == ["Doit être dans le futur."]


def test_ending_before_starting_is_ends_before_start(api, kitchen):
    canteen = kitchen.canteen()
    starts = utcnow() + timedelta(days=1)
    meal = {"title": "Soupe", "starts_at": iso(starts), "ends_at": iso(starts)}
    r = api.post(f"/canteens/{canteen.id}/meals", json=meal, as_=canteen.host)
    refused(r, 422, "invalid_input", field="ends_at", field_reason="ends_before_start")


def test_capacity_below_the_seats_taken_is_capacity_below_taken(api, auth, kitchen):
    meal = kitchen.meal(pools={"table": 2})
    for _ in range(2):
        signed_up(api.client, meal, _member(auth, meal))
    r = api.patch(
        f"/meals/{meal.id}",
        json={"pools": [{"key": "table", "capacity": 1}]},
        headers=french(meal.canteen_obj.host.headers),
    )
    body = refused(r, 409, "capacity_below_taken")
    assert body["message"] == in_french(
        "Pool '%(key)s' has %(taken)s seats taken; capacity can't go below.", key="table", taken=2
    )


def test_editing_or_cancelling_a_cancelled_meal_is_meal_cancelled(api, kitchen):
    meal = kitchen.meal(status="cancelled")
    host = meal.canteen_obj.host
    refused(
        api.patch(f"/meals/{meal.id}", json={"title": "Autre"}, as_=host), 409, "meal_cancelled"
    )
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "Again"}, headers=french(host.headers))
    assert refused(r, 409, "meal_cancelled")["message"] == "Ce repas est déjà annulé."


def test_checking_in_a_waitlisted_diner_is_signup_not_confirmed(api, auth, kitchen):
    meal = kitchen.meal(pools={"table": 1})
    signed_up(api.client, meal, _member(auth, meal))
    waiting = signed_up(api.client, meal, _member(auth, meal))
    assert waiting["status"] == "waitlisted"
    host = meal.canteen_obj.host
    r = api.post(
        f"/signups/{waiting['id']}/check-in",
        json={"attendance": "attended"},
        headers=french(host.headers),
    )
    body = refused(r, 409, "signup_not_confirmed")
    assert body["message"] == (
        "Seuls les convives confirmés peuvent être pointés ; cette inscription est en liste "
        "d'attente."
    )


def test_english_stays_the_default(api, auth, kitchen):
    meal = kitchen.meal()
    ana = _member(auth, meal)
    signed_up(api.client, meal, ana)
    r = sign_up(api.client, meal, ana)
    assert r.headers["Content-Language"] == "en"
    assert refused(r, 409, "already_signed_up")["message"] == (
        "You are already signed up for this meal."
    )
