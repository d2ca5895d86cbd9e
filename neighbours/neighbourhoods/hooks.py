"""The seams neighbourhoods offers to the features above it (filled in `neighbours.wiring`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neighbours.hooks import Hook

if TYPE_CHECKING:
    from neighbours.accounts.models import User

# An active membership ends (the member left or was removed), in the caller's transaction,
# before it is marked left. Called with (user, neighbourhood id, actor id). Meals: the
# member's future seats go to the waitlist and their hosting there ends.
membership_ending: Hook[Callable[[User, int, int], None]] = Hook("neighbourhoods.membership_ending")

# A member's role changed to one that can't host, in the caller's transaction. Called with
# (user id, neighbourhood id). Meals: their hosting there ends.
hosting_ended: Hook[Callable[[int, int], None]] = Hook("neighbourhoods.hosting_ended")

# Tell a user about a decision on their membership: (user id, type, payload). Notifications.
notify: Hook[Callable[[int, str, dict[str, Any]], Any]] = Hook("neighbourhoods.notify")
