"""Canteen, meal and signup routes."""

from __future__ import annotations

from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.meals import policies, services
from neighbours.meals.schemas import (
    CancelMealSchema,
    CanteenCreateSchema,
    CanteenDetailSchema,
    CanteenPageSchema,
    CanteenUpdateSchema,
    CheckInSchema,
    HostingPageSchema,
    HostSignupListArgs,
    HostSignupPageSchema,
    MealCreateSchema,
    MealDetailSchema,
    MealListArgs,
    MealPageSchema,
    MealSummarySchema,
    MealUpdateSchema,
    MyMealPageSchema,
    PublishArgs,
    SignupCreateSchema,
    SignupSchema,
)
from neighbours.pagination import PageArgs
from neighbours.reads import dumped, read_only

blp = Blueprint("meals", __name__, description="Canteens and shared meals")


def _canteen_detail(canteen: object) -> dict:
    # Raw values: the response schema dumps them (dumping here too would dump twice).
    hosts = services.canteen_hosts([canteen.id])[canteen.id]  # type: ignore[attr-defined]
    fields = [name for name in CanteenDetailSchema().fields if name != "hosts"]
    return {**{name: getattr(canteen, name) for name in fields}, "hosts": hosts}


@blp.route("/neighbourhoods/<int:neighbourhood_id>/canteens", methods=["POST"])
@login_required
@blp.arguments(CanteenCreateSchema)
@blp.response(201, CanteenDetailSchema)
def create_canteen(data: dict, neighbourhood_id: int) -> object:
    """Open a canteen in a neighbourhood (moderators)."""
    return _canteen_detail(services.create_canteen(current_user(), neighbourhood_id, data))


@blp.route("/neighbourhoods/<int:neighbourhood_id>/canteens", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, CanteenPageSchema)
def list_canteens(args: dict, neighbourhood_id: int) -> object:
    """The neighbourhood's canteens (members)."""
    return services.list_canteens(current_user(), neighbourhood_id, **args)


@blp.route("/canteens/<int:canteen_id>", methods=["GET"])
@login_required
@blp.response(200, CanteenDetailSchema)
def get_canteen(canteen_id: int) -> object:
    """A canteen with its hosts (members)."""
    return _canteen_detail(policies.visible_canteen(current_user(), canteen_id))


@blp.route("/canteens/<int:canteen_id>", methods=["PATCH"])
@login_required
@blp.arguments(CanteenUpdateSchema)
@blp.response(200, CanteenDetailSchema)
def update_canteen(data: dict, canteen_id: int) -> object:
    """Edit a canteen (its hosts and the moderators)."""
    return _canteen_detail(services.update_canteen(current_user(), canteen_id, data))


@blp.route("/canteens/<int:canteen_id>/hosts/<int:user_id>", methods=["POST"])
@login_required
@blp.response(201, CanteenDetailSchema)
def add_host(canteen_id: int, user_id: int) -> object:
    """Appoint a member as host of the canteen (moderators). Idempotent."""
    return _canteen_detail(services.add_host(current_user(), canteen_id, user_id))


@blp.route("/canteens/<int:canteen_id>/hosts/<int:user_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def remove_host(canteen_id: int, user_id: int) -> None:
    """Remove a host from the canteen (moderators)."""
    services.remove_host(current_user(), canteen_id, user_id)


@blp.route("/canteens/<int:canteen_id>/meals", methods=["POST"])
@login_required
@blp.arguments(PublishArgs, location="query")
@blp.arguments(MealCreateSchema)
@blp.response(201, MealDetailSchema)
def create_meal(args: dict, data: dict, canteen_id: int) -> object:
    """Create a meal with seat pools, as a draft or published with `?publish=true` (hosts)."""
    return services.create_meal(current_user(), canteen_id, data, publish_now=args["publish"])


@blp.route("/neighbourhoods/<int:neighbourhood_id>/meals", methods=["GET"])
@read_only
@login_required
@blp.arguments(MealListArgs, location="query")
@blp.response(200, MealPageSchema)
def list_meals(args: dict, neighbourhood_id: int) -> object:
    """Upcoming published meals with seats left, soonest first (members)."""
    # Already in MealPageSchema's shape (`meals.reading`): sent as is, not dumped again.
    return dumped(services.list_meals(current_user(), neighbourhood_id, **args))


@blp.route("/meals/<int:meal_id>", methods=["GET"])
@read_only
@login_required
@blp.response(200, MealDetailSchema)
def get_meal(meal_id: int) -> object:
    """A meal with availability, my signup and allergen warnings (members)."""
    # Already in MealDetailSchema's shape (`meals.reading`): sent as is, not dumped again.
    return dumped(services.get_meal(current_user(), meal_id))


@blp.route("/meals/<int:meal_id>", methods=["PATCH"])
@login_required
@blp.arguments(MealUpdateSchema)
@blp.response(200, MealDetailSchema)
@blp.alt_response(
    409, description="A capacity below the seats taken, a cancelled meal, or an ended series"
)
def update_meal(data: dict, meal_id: int) -> object:
    """Edit a meal; raising a capacity promotes the waitlist (hosts). With `scope:
    "following"`, a meal of a series and the following ones change."""
    if data.pop("scope") == "following":
        return services.update_following(current_user(), meal_id, data)
    return services.update_meal(current_user(), meal_id, data)


@blp.route("/meals/<int:meal_id>/publish", methods=["POST"])
@login_required
@blp.response(200, MealDetailSchema)
def publish_meal(meal_id: int) -> object:
    """Publish a draft meal (hosts)."""
    return services.publish_meal(current_user(), meal_id)


@blp.route("/meals/<int:meal_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(CancelMealSchema)
@blp.response(200, MealDetailSchema)
def cancel_meal(data: dict, meal_id: int) -> object:
    """Cancel a meal with a reason; everyone signed up is notified (hosts)."""
    return services.cancel_meal(current_user(), meal_id, data["reason"])


@blp.route("/meals/<int:meal_id>/signups", methods=["POST"])
@login_required
@blp.arguments(SignupCreateSchema, required=False)
@blp.response(201, SignupSchema)
@blp.alt_response(409, description="Already signed up, signups closed, or meal not open")
def sign_up(data: dict, meal_id: int) -> object:
    """Book seats in a pool, or join its waitlist when it is full (active members)."""
    return services.sign_up(
        current_user(), meal_id, data["pool"], data["party_size"], data.get("note")
    )


@blp.route("/meals/<int:meal_id>/signups", methods=["GET"])
@login_required
@blp.arguments(HostSignupListArgs, location="query")
@blp.response(200, HostSignupPageSchema)
def list_signups(args: dict, meal_id: int) -> object:
    """Every signup with dietary needs, and a diet/allergen summary of confirmed diners (hosts)."""
    return services.list_signups(current_user(), meal_id, **args)


@blp.route("/meals/<int:meal_id>/signups/me", methods=["GET"])
@login_required
@blp.response(200, SignupSchema)
def my_signup(meal_id: int) -> object:
    """My signup for this meal, with my waitlist position."""
    return services.my_signup(current_user(), meal_id)


@blp.route("/meals/<int:meal_id>/signups/me", methods=["DELETE"])
@login_required
@blp.response(204)
def cancel_my_signup(meal_id: int) -> None:
    """Cancel my signup; the seats go to the waitlist in order."""
    services.cancel_my_signup(current_user(), meal_id)


@blp.route("/signups/<int:signup_id>/check-in", methods=["POST"])
@login_required
@blp.arguments(CheckInSchema)
@blp.response(200, SignupSchema)
def check_in(data: dict, signup_id: int) -> object:
    """Mark a diner attended or no-show and record their contribution (hosts)."""
    return services.check_in(current_user(), signup_id, **data)


@blp.route("/meals/<int:meal_id>/summary", methods=["GET"])
@login_required
@blp.response(200, MealSummarySchema)
def meal_summary(meal_id: int) -> object:
    """Seats, attendance, no-shows and contributions against cost price (hosts)."""
    return services.meal_summary(current_user(), meal_id)


@blp.route("/me/meals", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, MyMealPageSchema)
def my_meals(args: dict) -> object:
    """My upcoming signups (confirmed and waitlisted) across my neighbourhoods, soonest first,
    each with its meal as the meal list shows it."""
    return services.my_meals(current_user(), **args)


@blp.route("/me/hosting", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, HostingPageSchema)
def my_hosting(args: dict) -> object:
    """The meals I host from the start of today (in each canteen's time zone), soonest first,
    with their availability: the host's day."""
    return services.my_hosting(current_user(), **args)
