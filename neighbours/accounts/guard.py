"""Limits on password guessing: wrong passwords are counted, right ones are not.

Each attempt takes one from every budget it falls under before the password is checked (so
that a burst of simultaneous guesses can't all slip past a check made before any of them is
counted), and a right password gives them back. Budgets are Flask-Limiter strings read from
the config and kept in the limiter's storage (Redis when `REDIS_URL` is set, so shared by every
process); `RATELIMIT_ENABLED=false` turns them off with every other limit.

Login: per client address (`RATELIMIT_LOGIN_IP`), per account and address
(`RATELIMIT_LOGIN_ACCOUNT_IP`: a stranger's failures don't lock the owner out at another
address), and a looser per-account ceiling against guessing spread over many addresses
(`RATELIMIT_LOGIN_ACCOUNT`). With a token: `POST /me/password` and `DELETE /me` share one
budget per account (`RATELIMIT_PASSWORD_CHECK`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from neighbours.errors import Invalid, TooManyRequests
from neighbours.extensions import limiter

log = logging.getLogger(__name__)


class WrongPassword(Invalid):
    """The current password given to confirm a sensitive change is wrong (422, counted)."""

    def __init__(self, field: str) -> None:
        super().__init__(field, _l("Wrong password."), reason="wrong_password")


Budget = tuple[str, str]  # (config name of the limit, key)
Taken = list[tuple[RateLimitItem, str]]


def login_budgets(email: str) -> list[Budget]:
    """The budgets a login attempt for this email, from this client address, falls under."""
    account = email.strip().lower()
    address = request.remote_addr or "-"
    return [
        ("RATELIMIT_LOGIN_IP", f"login-ip:{address}"),
        ("RATELIMIT_LOGIN_ACCOUNT_IP", f"login-account-ip:{account}|{address}"),
        ("RATELIMIT_LOGIN_ACCOUNT", f"login-account:{account}"),
    ]


def password_budgets(user_id: int) -> list[Budget]:
    """The budget of a signed-in account confirming a change with its password."""
    return [("RATELIMIT_PASSWORD_CHECK", f"password-check:{user_id}")]


def _refuse(strategy: object, item: RateLimitItem, key: str) -> TooManyRequests:
    reset = strategy.get_window_stats(item, key).reset_time  # type: ignore[attr-defined]
    return TooManyRequests(
        _l("Too many failed attempts; try again later."),
        int(reset - time.time()) + 1,
        reason="login_throttled",
    )


_fallback: object | None = None


def _memory_strategy() -> object:
    """A process-local fixed window, for while the shared storage is down: still limiting, as
    Flask-Limiter's own in-memory fallback does for the other limits."""
    global _fallback
    if _fallback is None:
        _fallback = FixedWindowRateLimiter(MemoryStorage())
    return _fallback


def _take(
    strategy: object, items: list[tuple[RateLimitItem, str]]
) -> list[tuple[RateLimitItem, str]]:
    """Take one attempt from every budget, or raise 429 having taken none."""
    taken: Taken = []
    try:
        # Look before taking, so that a refused attempt spends none of the later (looser)
        # budgets: a stranger stopped per address doesn't use up the account's ceiling.
        for item, key in items:
            if not strategy.test(item, key):  # type: ignore[attr-defined]
                raise _refuse(strategy, item, key)
        for item, key in items:
            taken.append((item, key))
            if not strategy.hit(item, key):  # type: ignore[attr-defined]
                raise _refuse(strategy, item, key)
    except BaseException:
        _give_back(strategy, taken)
        raise
    return taken


@contextmanager
def guarded(budgets: list[Budget], failures: tuple[type[Exception], ...]) -> Iterator[None]:
    """Run a password check under the budgets: 429 with Retry-After once one is spent.

    The attempt counts only if the block raises one of `failures`.
    """
    if not current_app.config.get("LIMITS_ENABLED", True):
        yield
        return
    strategy = limiter.limiter
    items = [(parse(current_app.config[name]), key) for name, key in budgets]
    try:
        taken = _take(strategy, items)
    except TooManyRequests:
        raise
    except Exception:  # storage down: count in this process's memory until it is back
        log.warning("password guessing limits: shared storage down, counting in memory")
        strategy = _memory_strategy()
        taken = _take(strategy, items)
    try:
        yield
    except failures:
        raise
    except BaseException:
        _give_back(strategy, taken)
        raise
    _give_back(strategy, taken)


def _give_back(strategy: object, taken: list[tuple[RateLimitItem, str]]) -> None:
    for item, key in taken:
        try:
            strategy.storage.incr(  # type: ignore[attr-defined]
                item.key_for(key), item.get_expiry(), amount=-1
            )
        except Exception:
            log.warning("could not give back a password attempt", exc_info=True)
