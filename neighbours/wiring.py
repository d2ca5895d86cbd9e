"""The seams, filled: what each feature registers with the lower layers, for one app.

Lower layers never import higher ones; where a lower layer must reach up (the live layer
signing sockets in, an account's deletion letting go of seats, a membership ending), it
offers a seam (a `neighbours.hooks.Hook` or a registry) and this module, at the top with
`create_app`, connects the higher feature's function to it. Called by `create_app` right
after the live layer is set up. Registration order is call order: meals before
neighbourhoods, as the code ran before the seams (it keeps the lock order).
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from neighbours import i18n, idempotency, jobs
from neighbours.accounts import badges
from neighbours.accounts import hooks as account_hooks
from neighbours.accounts.live import TokenAuthenticator, remember_socket_language
from neighbours.accounts.models import User
from neighbours.auth import add_token_companion, caller_locale, current_user_id
from neighbours.extensions import db
from neighbours.feed import events as feed_events
from neighbours.feed import export as feed_export
from neighbours.feed import policies as feed_policies
from neighbours.feed import targets as feed_targets
from neighbours.jobs import heartbeat as job_heartbeat
from neighbours.meals import briefs as meal_briefs
from neighbours.meals import calendar_feed
from neighbours.meals import departures as meal_departures
from neighbours.meals import events as meal_events
from neighbours.meals import live as meals_live
from neighbours.meals import policies as meal_policies
from neighbours.meals import reminders as meal_reminders
from neighbours.meals import series as meal_series
from neighbours.meals import targets as meal_targets
from neighbours.messages import events as message_events
from neighbours.messages import export as message_export
from neighbours.messages import live as messages_live
from neighbours.messages import targets as message_targets
from neighbours.messages import unread as message_unread
from neighbours.moderation import events as moderation_events
from neighbours.moderation import export as moderation_export
from neighbours.moderation import targets as moderation_targets
from neighbours.neighbourhoods import account_hooks as neighbourhood_accounts
from neighbours.neighbourhoods import hooks as neighbourhood_hooks
from neighbours.neighbourhoods import housekeeping as neighbourhood_housekeeping
from neighbours.neighbourhoods import policies as neighbourhood_policies
from neighbours.neighbourhoods import prefetch
from neighbours.neighbourhoods import services as neighbourhood_services
from neighbours.neighbourhoods.live import membership_rooms
from neighbours.notifications import events as notification_events
from neighbours.notifications import export as notification_export
from neighbours.notifications import people as notification_people
from neighbours.notifications import services as notifications
from neighbours.realtime import catalog, eventlog, live


def forget_in_event_log(user: User) -> None:
    eventlog.forget_author(db.session, user.id)


def prune_event_log(now: datetime) -> int:
    """The event log's retention, as a job (the relay of a process with sockets does it too)."""
    pruned = eventlog.prune(db.session, current_app, now)
    db.session.commit()
    return pruned


def wire(app: Flask) -> None:
    """Fill every seam for `app` (see docs/ARCHITECTURE.md, "Seams")."""
    _wire_realtime(app)
    _wire_accounts(app)
    _wire_neighbourhoods(app)
    _wire_moderation_targets(app)
    _wire_jobs(app)
    _wire_request_prefetch(app)


def _wire_realtime(app: Flask) -> None:
    live.set_authenticator(app, TokenAuthenticator())
    # Neighbourhood rooms first: the meals' provider keeps only meals of those neighbourhoods.
    live.add_room_provider(app, membership_rooms)
    live.add_room_provider(app, meals_live.watched_meal_rooms)
    # A reconnecting client names the meals it watched (`auth.watch`): before the providers.
    live.on_connect(app, meals_live.restore_watches)
    # The handshake's language, kept for the live texts of a user without a `locale`.
    live.on_connect(app, remember_socket_language)
    live.on_event(app, "meal:watch", meals_live.on_meal_watch)
    live.on_event(app, "meal:unwatch", meals_live.on_meal_unwatch)
    # Logged as a reference, rendered for the reader when replayed (it names everyone in it).
    eventlog.set_renderer(app, messages_live.JOINED, messages_live.replayed)
    # Replayed to those still in the conversation only (a meal's diners come and go).
    eventlog.set_renderer(app, messages_live.CREATED, messages_live.replayed_message)
    # Kept by id, rendered as the API shows it then: the actor's name now, the reader's language.
    eventlog.set_renderer(app, notifications.CREATED, notifications.replayed)
    # Every live event, described by the code that owns it (`/api/asyncapi.json`).
    for owned in (catalog.EVENTS, feed_events.EVENTS, message_events.EVENTS):
        catalog.declare(app, owned)
    for owned in (meal_events.EVENTS, moderation_events.EVENTS, notification_events.EVENTS):
        catalog.declare(app, owned)


def _wire_accounts(app: Flask) -> None:
    """Idempotency keys are per caller; an account's deletion and export reach the features
    above accounts through accounts' hooks."""
    idempotency.set_caller(app, current_user_id)
    i18n.set_user_locale_provider(app, caller_locale)
    account_hooks.deletion_guards.register(app, neighbourhood_accounts.refuse_if_last_moderator)
    # Before the account is anonymised: seats go to the waitlist, hosting ends (meal locks).
    account_hooks.deleting.register(app, meal_departures.let_go)
    # After it, in the same transaction: memberships end (as the code ran before the seam).
    account_hooks.deleted.register(app, neighbourhood_accounts.end_memberships)
    # And the event log forgets their words and name (a replay gives back only what is shown).
    account_hooks.deleted.register(app, forget_in_event_log)
    # Others' notifications that kept a copy of this person's name keep only the id.
    account_hooks.deleted.register(app, notification_people.forget_actor)
    # Their calendar feed's secret URL stops working.
    account_hooks.deleted.register(app, calendar_feed.forget)
    account_hooks.profile_visible.register(app, neighbourhood_policies.share_a_neighbourhood)
    account_hooks.profile_memberships.register(app, neighbourhood_services.memberships_of)
    # The unread totals of `/me`, `/me/badges` and `badges:updated`.
    badges.counters.register(
        app, badges.Counter("unread_notifications", notifications.unread_counts)
    )
    badges.counters.register(app, badges.Counter("unread_messages", message_unread.unread_counts))
    # The export's sections, in this order after accounts' own.
    for section in (
        neighbourhood_accounts.export_section,
        notification_export.export_section,
        feed_export.export_section,
        meal_departures.export_section,
        message_export.export_section,
        moderation_export.export_section,
    ):
        account_hooks.export_sections.register(app, section)


def _wire_neighbourhoods(app: Flask) -> None:
    """A membership ending, or a role that can't host, reaches meals; decisions notify."""
    neighbourhood_hooks.membership_ending.register(app, meal_departures.let_go)
    neighbourhood_hooks.hosting_ended.register(app, meal_departures.stop_hosting)
    neighbourhood_hooks.notify.register(app, notifications.notify)


def _wire_moderation_targets(app: Flask) -> None:
    """What can be reported: each feature tells moderation how to reach its own targets."""
    moderation_targets.register(app)  # people (user)
    feed_targets.register(app)  # post, comment
    message_targets.register(app)  # message
    meal_targets.register(app)  # meal


def _wire_jobs(app: Flask) -> None:
    """What the job runner runs, and how often (minutes); each job is safe to run twice."""
    # Meals: reminders before a meal, the hosts' morning brief, the free-seats digest.
    jobs.every(app, "meals.reminders", meal_reminders.send_due)
    jobs.every(app, "meals.morning_briefs", meal_briefs.send_briefs)
    jobs.every(app, "meals.free_seats_digest", meal_briefs.send_digests)
    # Meal series: their meals generated SERIES_WEEKS_AHEAD weeks ahead, hourly (idempotent).
    jobs.every(app, "meals.series", meal_series.extend_series, minutes=60)
    # Housekeeping, hourly.
    jobs.every(
        app, "housekeeping.invites", neighbourhood_housekeeping.prune_expired_invites, minutes=60
    )
    jobs.every(app, "housekeeping.idempotency_keys", idempotency.prune, minutes=60)
    jobs.every(app, "housekeeping.event_log", prune_event_log, minutes=60)
    jobs.every(app, "housekeeping.job_consumers", job_heartbeat.prune, minutes=60)


def _wire_request_prefetch(app: Flask) -> None:
    """The request's token query brings the caller's membership of the neighbourhood the path
    is about (`neighbourhoods.prefetch`); each feature says where what its paths name lives."""
    add_token_companion(app, prefetch.with_membership)
    prefetch.add_path_neighbourhood(app, "post_id", feed_policies.neighbourhood_of_post)
    prefetch.add_path_neighbourhood(app, "comment_id", feed_policies.neighbourhood_of_comment)
    prefetch.add_path_neighbourhood(app, "meal_id", meal_policies.neighbourhood_of_meal)
    prefetch.add_path_neighbourhood(app, "canteen_id", meal_policies.neighbourhood_of_canteen)
    prefetch.add_path_neighbourhood(app, "signup_id", meal_policies.neighbourhood_of_signup)
