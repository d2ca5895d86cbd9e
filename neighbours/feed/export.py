"""The feed's sections of an account's export (registered by `neighbours.wiring`)."""

from __future__ import annotations

from typing import Any

from neighbours.accounts.export import dump_rows
from neighbours.accounts.models import User
from neighbours.feed.models import Comment, Post, Reaction


def export_section(user: User) -> dict[str, Any]:
    return {
        "posts": dump_rows(
            Post,
            [
                "id",
                "neighbourhood_id",
                "category",
                "title",
                "body",
                "status",
                "created_at",
                "edited_at",
            ],
            Post.author_id == user.id,
        ),
        "comments": dump_rows(
            Comment,
            ["id", "post_id", "reply_to_id", "body", "status", "created_at", "edited_at"],
            Comment.author_id == user.id,
        ),
        "reactions": dump_rows(
            Reaction, ["post_id", "kind", "created_at"], Reaction.user_id == user.id
        ),
    }
