"""The seams accounts offers to the features above it (filled in `neighbours.wiring`).

Accounts sits low: every feature knows users, and accounts imports none of them. What an
account's deletion or export means elsewhere is told by those features through these hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neighbours.hooks import Hook

if TYPE_CHECKING:
    from neighbours.accounts.models import User

# Before anything changes: raise an `AppError` to refuse the deletion (neighbourhoods: the
# last moderator of a neighbourhood with other members).
deletion_guards: Hook[Callable[[User], None]] = Hook("accounts.deletion_guards")

# In the deletion's transaction, before the account is anonymised: let go of what the account
# holds elsewhere (meals: future seats go to the waitlist, hosting ends).
deleting: Hook[Callable[[User], None]] = Hook("accounts.deleting")

# In the same transaction, after the account is anonymised and its sessions revoked
# (neighbourhoods: memberships end).
deleted: Hook[Callable[[User], None]] = Hook("accounts.deleted")

# The export: each feature adds its sections (name -> rows) to the caller's document.
export_sections: Hook[Callable[[User], dict[str, Any]]] = Hook("accounts.export_sections")

# Who may see another user's public profile (besides site admins): any callback saying yes
# (neighbourhoods: people who share a neighbourhood). Called with (viewer id, user id).
profile_visible: Hook[Callable[[int, int], bool]] = Hook("accounts.profile_visible")

# The memberships shown on the caller's own profile (`/me`): neighbourhoods'.
profile_memberships: Hook[Callable[[User], list[Any]]] = Hook("accounts.profile_memberships")
