"""Building the app: the only place that wires extensions, blueprints, the live layer and
the seams between features (`neighbours.wiring`). At the top of the layers: imports anything."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import from_env
from neighbours import database_events, i18n, idempotency, jobs, models, web
from neighbours.accounts.events import blp as events_blp
from neighbours.accounts.routes import blp as accounts_blp
from neighbours.cli import register_cli
from neighbours.errors import ErrorSchema, register_error_handlers
from neighbours.extensions import api, db, limiter, migrate
from neighbours.feed.routes import blp as feed_blp
from neighbours.meals.calendar_routes import blp as calendars_blp
from neighbours.meals.routes import blp as meals_blp
from neighbours.meals.series_routes import blp as series_blp
from neighbours.messages.routes import blp as messages_blp
from neighbours.moderation.routes import blp as moderation_blp
from neighbours.neighbourhoods.routes import blp as neighbourhoods_blp
from neighbours.notifications.routes import blp as notifications_blp
from neighbours.openapi import ConditionalGets, ErrorResponses
from neighbours.realtime import asyncapi
from neighbours.realtime import init_app as init_realtime
from neighbours.wiring import wire

# Imported for their side effects: every model registered with the metadata (Alembic, the
# relationships between features' models).
__all__ = ["create_app", "models"]


def _database_uri(app: Flask) -> str:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri:
        return uri
    os.makedirs(app.instance_path, exist_ok=True)
    return "sqlite:///" + os.path.join(app.instance_path, "neighbours.db")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: the only place that wires extensions, blueprints and handlers."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(from_env())
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_uri(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "connect_args": {"timeout": 30},
        }
    app.config["API_SPEC_OPTIONS"] = {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "info": {
            "description": "Neighbourhood feed, messages, moderation and shared canteen meals. "
            "Errors share one shape: {code, status, reason, message, errors?, "
            "field_reasons?}; `reason` is stable, `message` is in the response's "
            "Content-Language (English or French)."
        },
    }

    web.init_app(app)
    i18n.init_app(app)
    db.init_app(app)
    database_events.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    limiter.init_app(app)
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponses(), ConditionalGets()]})
    idempotency.init_app(app)
    register_error_handlers(app)

    for blueprint in (
        accounts_blp,
        neighbourhoods_blp,
        feed_blp,
        meals_blp,
        series_blp,
        calendars_blp,
        messages_blp,
        moderation_blp,
        notifications_blp,
        events_blp,
    ):
        api.register_blueprint(blueprint, url_prefix="/api/v1")

    init_realtime(app)
    jobs.init_app(app)  # the job runner; features' jobs are registered by wire()

    wire(app)  # every seam: features registering with the lower layers
    asyncapi.init_app(app)  # the document of the live events, from the catalog wire() filled

    register_cli(app)
    if app.config.get("TRUSTED_PROXIES"):
        # Outermost, around Socket.IO's middleware too: every limit keyed by address sees the
        # client's, not the proxy's. Only as many hops as there are proxies we run.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app
