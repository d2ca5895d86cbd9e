"""Calendars: a meal's `.ics` and a person's secret feed, parsed back with `icalendar`."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

from icalendar import Calendar

from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.meals.models import CalendarFeed, SeatPool
from tests.meals.api import signed_up
from tests.support.refusals import french, refused
from tests.support.settings import TEST_PASSWORD


def parse(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def whole(moment):
    """A moment as iCalendar writes it: to the second."""
    return moment.replace(microsecond=0)


def the_event(response):
    (event,) = parse(response).walk("VEVENT")
    return event


# --- one meal --------------------------------------------------------------------------------


def test_a_meal_as_an_ics_file(app, api, auth, kitchen):
    canteen = kitchen.canteen()
    canteen.latitude, canteen.longitude = 45.7745, 4.832
    db.session.commit()
    meal = kitchen.meal(canteen, allergens=["gluten"])
    member = auth.member(canteen.neighbourhood)

    r = api.get(f"/meals/{meal.id}.ics", as_=member)

    cal = parse(r)
    assert r.headers["Content-Disposition"] == f'inline; filename="meal-{meal.id}.ics"'
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == f"meal-{meal.id}@neighbours.local"
    assert str(event["SUMMARY"]) == meal.title
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == whole(meal.starts_at)
    assert event.decoded("DTEND") == whole(meal.ends_at)
    assert str(event["LOCATION"]) == f"{canteen.name}, {canteen.address}"
    assert event.decoded("GEO") == (45.7745, 4.832)
    assert int(event["SEQUENCE"]) == 0
    assert "gluten" in str(event["DESCRIPTION"])
    assert meal.menu in str(event["DESCRIPTION"])


def test_the_uid_stays_and_the_sequence_rises_with_every_change(app, api, auth, kitchen):
    app.config["CALENDAR_UID_DOMAIN"] = "cantines.example.org"
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    member = auth.member(canteen.neighbourhood)
    first = the_event(api.get(f"/meals/{meal.id}.ics", as_=member))

    # Seats changing is not a change of the event.
    signed_up(api.client, meal, auth.member(canteen.neighbourhood))
    unchanged = the_event(api.get(f"/meals/{meal.id}.ics", as_=member))
    assert int(unchanged["SEQUENCE"]) == int(first["SEQUENCE"]) == 0

    later = meal.starts_at + timedelta(hours=1)
    r = api.patch(
        f"/meals/{meal.id}",
        json={"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=2)).isoformat()},
        as_=canteen.host,
    )
    assert r.status_code == 200, r.get_json()
    moved = the_event(api.get(f"/meals/{meal.id}.ics", as_=member))
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART") == whole(later)

    api.patch(f"/meals/{meal.id}", json={"menu": "Ratatouille"}, as_=canteen.host)
    r = api.post(f"/meals/{meal.id}/cancel", json={"reason": "Grève"}, as_=canteen.host)
    assert r.status_code == 200, r.get_json()
    cancelled = the_event(api.get(f"/meals/{meal.id}.ics", as_=member))
    assert int(cancelled["SEQUENCE"]) == 3
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Grève" in str(cancelled["DESCRIPTION"])
    assert str(cancelled["UID"]) == str(first["UID"]) == f"meal-{meal.id}@cantines.example.org"


def test_an_edit_that_changes_nothing_keeps_the_sequence(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    api.patch(f"/meals/{meal.id}", json={"title": meal.title}, as_=canteen.host)
    event = the_event(api.get(f"/meals/{meal.id}.ics", as_=canteen.host))
    assert int(event["SEQUENCE"]) == 0


def test_my_kitchen_shift_starts_when_the_kitchen_does(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    pool = db.session.query(SeatPool).filter_by(meal_id=meal.id, key="kitchen").one()
    pool.starts_at = meal.starts_at - timedelta(hours=2)
    db.session.commit()
    cook = auth.member(canteen.neighbourhood)
    signed_up(api.client, meal, cook, pool="kitchen", party_size=2)

    event = the_event(api.get(f"/meals/{meal.id}.ics", as_=cook))

    assert event.decoded("DTSTART") == whole(meal.starts_at - timedelta(hours=2))
    assert "2 people" in str(event["DESCRIPTION"])
    # Someone else sees the meal's own start.
    other = the_event(api.get(f"/meals/{meal.id}.ics", as_=canteen.host))
    assert other.decoded("DTSTART") == whole(meal.starts_at)


def test_an_ics_speaks_my_language(api, auth, kitchen):
    meal = kitchen.meal(allergens=["milk"])
    member = auth.member(meal.canteen_obj.neighbourhood)
    r = api.get(f"/meals/{meal.id}.ics", headers=french(member.headers))
    assert "Allergènes : milk" in str(the_event(r)["DESCRIPTION"])
    assert r.headers["Content-Language"] == "fr"


def test_an_ics_has_an_etag(api, auth, kitchen):
    meal = kitchen.meal()
    member = auth.member(meal.canteen_obj.neighbourhood)
    first = api.get(f"/meals/{meal.id}.ics", as_=member)
    etag = first.headers["ETag"]
    again = api.get(f"/meals/{meal.id}.ics", as_=member, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_the_ics_of_a_meal_follows_the_meals_visibility(api, auth, kitchen):
    canteen = kitchen.canteen()
    draft = kitchen.meal(canteen, status="draft")
    published = kitchen.meal(canteen)
    member = auth.member(canteen.neighbourhood)
    outsider = auth.member(auth.neighbourhood())

    refused(api.get(f"/meals/{published.id}.ics"), 401, "unauthorized")
    refused(api.get(f"/meals/{published.id}.ics", as_=outsider), 404, "not_found")
    refused(api.get(f"/meals/{draft.id}.ics", as_=member), 404, "not_found")
    assert api.get(f"/meals/{draft.id}.ics", as_=member).get_json() == (
        api.get("/meals/2147483647.ics", as_=member).get_json()
    )
    draft_event = the_event(api.get(f"/meals/{draft.id}.ics", as_=canteen.host))
    assert str(draft_event["STATUS"]) == "TENTATIVE"
    assert api.get("/meals/abc.ics", as_=member).status_code == 404


# --- the secret feed -------------------------------------------------------------------------


def feed_path(url):
    """The path of a feed URL, for the test client."""
    parsed = urlparse(url)
    assert parsed.scheme == "http" and parsed.path.startswith("/api/v1/calendar/")
    return parsed.path


def make_feed(api, actor):
    r = api.post("/me/calendar-feed", as_=actor)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_my_feed_has_my_meals_and_nothing_of_anyone_else(api, auth, kitchen):
    canteen = kitchen.canteen(capacity=1)
    nh = canteen.neighbourhood
    me = auth.member(nh, name="Léa")
    someone = auth.member(nh, name="Tomas Secret")
    mine = kitchen.meal(canteen, pools={"table": 1})
    waiting = kitchen.meal(canteen, pools={"table": 1})
    cancelled = kitchen.meal(canteen)
    theirs = kitchen.meal(canteen)
    gone = kitchen.meal(canteen)
    signed_up(api.client, mine, me)
    signed_up(api.client, waiting, someone)
    assert signed_up(api.client, waiting, me)["status"] == "waitlisted"
    signed_up(api.client, cancelled, me)
    signed_up(api.client, theirs, someone)
    signed_up(api.client, gone, me)
    assert api.delete(f"/meals/{gone.id}/signups/me", as_=me).status_code == 204
    api.post(f"/meals/{cancelled.id}/cancel", json={"reason": "Pluie"}, as_=canteen.host)

    feed = make_feed(api, me)
    r = api.client.get(feed_path(feed["url"]))  # no token: a calendar app fetches it

    found = events(parse(r))
    uid = "meal-{}@neighbours.local".format
    assert set(found) == {uid(mine.id), uid(waiting.id), uid(cancelled.id)}
    assert str(found[uid(mine.id)]["STATUS"]) == "CONFIRMED"
    assert str(found[uid(waiting.id)]["STATUS"]) == "TENTATIVE"
    assert "waitlist" in str(found[uid(waiting.id)]["DESCRIPTION"])
    assert str(found[uid(cancelled.id)]["STATUS"]) == "CANCELLED"
    text = r.get_data(as_text=True)
    assert "Tomas" not in text and "Secret" not in text and "Léa" not in text
    assert someone.email not in text and me.email not in text
    assert feed["webcal_url"] == "webcal://" + feed["url"].split("://", 1)[1]
    assert "X-WR-CALNAME" in text
    # Refresh hints a calendar app understands: durations, not Python's "1:00:00" (probe 5).
    assert "X-PUBLISHED-TTL:PT1H" in text and "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text


def test_a_hosts_feed_has_the_meals_they_host(api, auth, kitchen):
    canteen = kitchen.canteen()
    published = kitchen.meal(canteen)
    draft = kitchen.meal(canteen, status="draft")
    elsewhere = kitchen.meal(kitchen.canteen(canteen.neighbourhood))
    feed = make_feed(api, canteen.host)
    found = events(parse(api.client.get(feed_path(feed["url"]))))
    uid = "meal-{}@neighbours.local".format
    assert set(found) == {uid(published.id), uid(draft.id)}
    assert uid(elsewhere.id) not in found
    assert str(found[uid(draft.id)]["STATUS"]) == "TENTATIVE"


def test_a_wrong_rotated_or_revoked_secret_is_404(api, auth, kitchen):
    me = auth.member(kitchen.canteen().neighbourhood)
    first = feed_path(make_feed(api, me)["url"])
    assert api.client.get(first).status_code == 200
    second = feed_path(make_feed(api, me)["url"])

    refused(api.client.get(first), 404, "not_found")  # rotated
    assert api.client.get(second).status_code == 200
    for wrong in (second[:-8] + "AAAA.ics", "/api/v1/calendar/x.ics", "/api/v1/calendar/.ics"):
        refused(api.client.get(wrong), 404, "not_found")

    assert api.delete("/me/calendar-feed", as_=me).status_code == 204
    refused(api.client.get(second), 404, "not_found")  # revoked
    assert api.get("/me/calendar-feed", as_=me).get_json() == {
        "active": False,
        "created_at": None,
        "url": None,
        "webcal_url": None,
    }
    assert api.delete("/me/calendar-feed", as_=me).status_code == 204  # nothing to revoke


def test_the_secret_is_kept_only_as_a_hash(api, auth):
    me = auth.user()
    feed = make_feed(api, me)
    secret = feed["url"].rsplit("/", 1)[1].removesuffix(".ics")
    row = db.session.get(CalendarFeed, me.id)
    assert secret not in row.token_hash and len(row.token_hash) == 64
    status = api.get("/me/calendar-feed", as_=me).get_json()
    assert status["active"] is True and status["url"] is None and status["created_at"]


def test_a_deleted_accounts_feed_stops(api, auth, kitchen):
    me = auth.member(kitchen.canteen().neighbourhood)
    path = feed_path(make_feed(api, me)["url"])
    assert api.delete("/me", json={"password": TEST_PASSWORD}, as_=me).status_code == 204
    refused(api.client.get(path), 404, "not_found")
    assert db.session.get(CalendarFeed, me.id) is None


def test_a_former_neighbourhoods_meals_leave_the_feed(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen)
    me = auth.member(canteen.neighbourhood)
    signed_up(api.client, meal, me)
    path = feed_path(make_feed(api, me)["url"])
    assert len(parse(api.client.get(path)).walk("VEVENT")) == 1
    api.delete(f"/neighbourhoods/{canteen.neighbourhood.id}/members/me", as_=me)
    assert parse(api.client.get(path)).walk("VEVENT") == []


def test_the_feed_speaks_its_owners_language(api, auth, kitchen):
    canteen = kitchen.canteen()
    meal = kitchen.meal(canteen, allergens=["milk"])
    me = auth.member(canteen.neighbourhood)
    api.patch("/me", json={"locale": "fr"}, as_=me)
    signed_up(api.client, meal, me)
    r = api.client.get(feed_path(make_feed(api, me)["url"]), headers={"Accept-Language": "en"})
    assert r.headers["Content-Language"] == "fr"
    assert "Mes repas partagés" in r.get_data(as_text=True)
    assert "Allergènes" in str(events(parse(r))[f"meal-{meal.id}@neighbours.local"]["DESCRIPTION"])


def test_the_feed_is_rate_limited_per_feed(make_app, auth):
    app = make_app(LIMITS_ENABLED=True, RATELIMIT_CALENDAR_FEED="2 per hour")
    client = app.test_client()
    one, two = auth.user(), auth.user()
    paths = []
    for who in (one, two):
        r = client.post("/api/v1/me/calendar-feed", headers=who.headers)
        paths.append(feed_path(r.get_json()["url"]))
    assert [client.get(paths[0]).status_code for _ in range(3)] == [200, 200, 429]
    refused(client.get(paths[0]), 429, "rate_limited")
    assert client.get(paths[1]).status_code == 200  # another feed has its own allowance


def test_feed_settings_need_a_token(api):
    for method in ("GET", "POST", "DELETE"):
        refused(api.open(method, "/me/calendar-feed"), 401, "unauthorized")


def test_the_feed_covers_the_last_month_and_whats_planned(api, auth, kitchen):
    canteen = kitchen.canteen()
    me = auth.member(canteen.neighbourhood)
    recent = kitchen.meal(canteen, starts_in=timedelta(days=2))
    signed_up(api.client, recent, me)
    recent.starts_at = utcnow() - timedelta(days=10)
    recent.ends_at = recent.starts_at + timedelta(hours=2)
    old = kitchen.meal(canteen, starts_in=timedelta(days=3))
    signed_up(api.client, old, me)
    old.starts_at = utcnow() - timedelta(days=40)
    old.ends_at = old.starts_at + timedelta(hours=2)
    db.session.commit()
    found = events(parse(api.client.get(feed_path(make_feed(api, me)["url"]))))
    assert set(found) == {f"meal-{recent.id}@neighbours.local"}


def test_my_export_says_i_have_a_feed_never_its_secret(api, auth):
    me = auth.user()
    feed = make_feed(api, me)
    r = api.get("/me/export", as_=me)
    assert len(r.get_json()["calendar_feeds"]) == 1
    assert feed["url"].rsplit("/", 1)[1].removesuffix(".ics") not in r.get_data(as_text=True)
