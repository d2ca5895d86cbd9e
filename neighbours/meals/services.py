"""The meals feature's face: what routes, other features and tests call, from the modules that
hold each use case.

- `canteens`: canteens and their hosts' list;     - `hosting`: appointing and ending hosts;
- `views`: what a reader sees (availability...);  - `ledger`: the meal lock, seats, waitlist;
- `reading`: the meal list and a meal, in few statements, without marshmallow;
- `lifecycle`: create, edit, publish, cancel;     - `signups`: diners' signups;
- `host_tools`: signup list, check-in, summary;   - `conversations`: who is in a meal's chat;
- `agenda`: my meals and the meals I host;
- `departures`: leaving, losing the host role, account deletion; `live`: sockets;
- `series` (with `recurrence`, `series_meals`): meal series; `calendar`: iCalendar views.
"""

from __future__ import annotations

from neighbours.meals.agenda import my_hosting, my_meals
from neighbours.meals.canteens import canteen_hosts, create_canteen, list_canteens, update_canteen
from neighbours.meals.host_tools import (
    HostSignupPage,
    check_in,
    dietary_summary,
    list_signups,
    meal_summary,
)
from neighbours.meals.hosting import add_host, end_hosting, remove_host
from neighbours.meals.ledger import promote_waitlist
from neighbours.meals.lifecycle import (
    KITCHEN_LEAD,
    cancel_meal,
    create_meal,
    publish_meal,
    update_meal,
)
from neighbours.meals.reading import get_meal, list_meals
from neighbours.meals.series import (
    create_series,
    end_series,
    extend_series,
    get_series,
    list_series,
    skip_date,
    update_series,
)
from neighbours.meals.series_following import update_following
from neighbours.meals.signups import (
    cancel_my_signup,
    my_signup,
    sign_up,
    withdraw_future_signups,
)
from neighbours.meals.views import (
    ACTIVE,
    MealView,
    SignupView,
    availability,
    effective_status,
    meal_view,
    waitlist_position,
    watchable_meal,
)

__all__ = [
    "ACTIVE",
    "KITCHEN_LEAD",
    "HostSignupPage",
    "MealView",
    "SignupView",
    "add_host",
    "availability",
    "cancel_meal",
    "cancel_my_signup",
    "canteen_hosts",
    "check_in",
    "create_canteen",
    "create_meal",
    "create_series",
    "dietary_summary",
    "effective_status",
    "end_hosting",
    "end_series",
    "extend_series",
    "get_meal",
    "get_series",
    "list_canteens",
    "list_meals",
    "list_series",
    "list_signups",
    "meal_summary",
    "meal_view",
    "my_hosting",
    "my_meals",
    "my_signup",
    "promote_waitlist",
    "publish_meal",
    "remove_host",
    "sign_up",
    "skip_date",
    "update_canteen",
    "update_following",
    "update_meal",
    "update_series",
    "waitlist_position",
    "watchable_meal",
    "withdraw_future_signups",
]
