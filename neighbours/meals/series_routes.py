"""Meal series routes: a canteen's rhythm, its skipped dates, its end (hosts)."""

from __future__ import annotations

from flask_smorest import Blueprint

from neighbours.auth import current_user, login_required
from neighbours.meals import series
from neighbours.meals.series_schemas import (
    EndSeriesSchema,
    SeriesCreateSchema,
    SeriesPageSchema,
    SeriesSchema,
    SeriesUpdateSchema,
    SkipSchema,
)
from neighbours.pagination import PageArgs

blp = Blueprint(
    "series",
    __name__,
    description="Meal series: a canteen's meals generated from a weekly rule, some weeks ahead",
)


@blp.route("/canteens/<int:canteen_id>/series", methods=["POST"])
@login_required
@blp.arguments(SeriesCreateSchema)
@blp.response(201, SeriesSchema)
def create_series(data: dict, canteen_id: int) -> object:
    """Set a canteen's rhythm ("every weekday at 12:30"); its meals for the weeks ahead are
    generated at once, as drafts or published (`publish`) (hosts)."""
    return series.create_series(current_user(), canteen_id, data)


@blp.route("/canteens/<int:canteen_id>/series", methods=["GET"])
@login_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, SeriesPageSchema)
def list_series(args: dict, canteen_id: int) -> object:
    """The canteen's series, ended ones too, oldest first (hosts)."""
    return series.list_series(current_user(), canteen_id, **args)


@blp.route("/series/<int:series_id>", methods=["GET"])
@login_required
@blp.response(200, SeriesSchema)
def get_series(series_id: int) -> object:
    """A series, its skipped dates and its meals to come (hosts)."""
    return series.get_series(current_user(), series_id)


@blp.route("/series/<int:series_id>", methods=["PATCH"])
@login_required
@blp.arguments(SeriesUpdateSchema)
@blp.response(200, SeriesSchema)
@blp.alt_response(409, description="The series has ended")
def update_series(data: dict, series_id: int) -> object:
    """Change the series: its meals not yet started follow (their signups stay; a capacity
    never goes below the seats taken); meals on dates no longer in it are taken back as
    `DELETE` says (hosts)."""
    return series.update_series(current_user(), series_id, data)


@blp.route("/series/<int:series_id>", methods=["DELETE"])
@login_required
@blp.arguments(EndSeriesSchema, required=False)
@blp.response(204)
def end_series(data: dict, series_id: int) -> None:
    """End the series: no more meals; its drafts to come are deleted and its published meals
    to come cancelled, their diners told `reason` (hosts). Started meals stay."""
    series.end_series(current_user(), series_id, data.get("reason"))


@blp.route("/series/<int:series_id>/skips", methods=["POST"])
@login_required
@blp.arguments(SkipSchema)
@blp.response(201, SeriesSchema)
@blp.alt_response(409, description="The series has ended")
def skip_date(data: dict, series_id: int) -> object:
    """No meal on this date (a holiday), now or later: its meal, if generated, is taken back
    as `DELETE` says. Skipping a skipped date again changes nothing (hosts)."""
    return series.skip_date(current_user(), series_id, data["date"], data.get("reason"))
