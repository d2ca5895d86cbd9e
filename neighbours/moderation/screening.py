"""Held words: content with one of a neighbourhood's held words waits for a moderator."""

from __future__ import annotations

import re
from typing import Any

from neighbours.extensions import db
from neighbours.moderation.models import ContentStatus, ItemStatus, ModerationSettings
from neighbours.moderation.queue import announce, item_for, reopen
from neighbours.moderation.targets import describe


def held_word(neighbourhood_id: int, *texts: str) -> str | None:
    """The first of the neighbourhood's held words found in the texts, as a whole word."""
    settings = db.session.get(ModerationSettings, neighbourhood_id)
    words = [w for w in (settings.held_words if settings else []) if w.strip()]
    for word in words:
        pattern = re.compile(rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.IGNORECASE)
        if any(pattern.search(t or "") for t in texts):
            return word
    return None


def screen(content: Any) -> bool:
    """Held words, for every write of a post's or comment's text: new and edited alike.

    The one place held words are applied (`feed.services` calls it after each create and
    edit, once the row is flushed; the row's kind describes it, see `targets`). Published
    content with a held word becomes `held`: only its author and the moderators see it, and it
    waits in the queue (a new item, a resolved one reopened, or the pending one it already has,
    now showing the held text) until a moderator decides. Returns whether the content is held;
    content that is not published is left as it is (a held post stays held when the word is
    edited out: a moderator decides).
    """
    if content.status != ContentStatus.PUBLISHED:
        return content.status == ContentStatus.HELD
    target, texts = describe(content)
    if held_word(target.neighbourhood_id, *texts) is None:
        return False
    content.status = ContentStatus.HELD
    item, created = item_for(target)
    reopened = not created and item.status == ItemStatus.RESOLVED
    if reopened:
        reopen(item)
    item.snapshot = target.snapshot
    item.held_reason = "held_word"
    db.session.flush()
    if created or reopened:
        announce(item)
    return True
