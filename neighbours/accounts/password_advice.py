"""zxcvbn's advice on a weak password, marked for the catalogs.

zxcvbn writes its warnings and suggestions in English; listing them here with `_l` puts them in
the catalog (and under `tests/test_i18n.py`), so `advice()` can give them in the caller's
language. A text zxcvbn adds in a later version is given as it is until it is listed.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

TOO_EASY = _l("This password is too easy to guess.")

ZXCVBN_TEXTS = (
    _l("Use a few words, avoid common phrases."),
    _l("No need for symbols, digits, or uppercase letters."),
    _l("Add another word or two. Uncommon words are better."),
    _l("Straight rows of keys are easy to guess."),
    _l("Short keyboard patterns are easy to guess."),
    _l("Use a longer keyboard pattern with more turns."),
    _l('Repeats like "aaa" are easy to guess.'),
    _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    _l("Avoid repeated words and characters."),
    _l('Sequences like "abc" or "6543" are easy to guess.'),
    _l("Avoid sequences."),
    _l("Recent years are easy to guess."),
    _l("Avoid recent years."),
    _l("Avoid years that are associated with you."),
    _l("Dates are often easy to guess."),
    _l("Avoid dates and years that are associated with you."),
    _l("This is a top-10 common password."),
    _l("This is a top-100 common password."),
    _l("This is a very common password."),
    _l("This is similar to a commonly used password."),
    _l("A word by itself is easy to guess."),
    _l("Names and surnames by themselves are easy to guess."),
    _l("Common names and surnames are easy to guess."),
    _l("Capitalization doesn't help very much."),
    _l("All-uppercase is almost as easy to guess as all-lowercase."),
    _l("Reversed words aren't much harder to guess."),
    _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
)


def advice(feedback: dict[str, Any]) -> str:
    """zxcvbn's warning (or ours) and suggestions, in the request's language, as one text."""
    texts = [feedback.get("warning") or TOO_EASY._args[0]]
    texts += list(feedback.get("suggestions") or [])
    return " ".join(gettext(text) for text in texts if text)
