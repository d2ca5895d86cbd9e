"""Extensions, created unbound; create_app() binds them."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy

from neighbours.database import Base
from neighbours.openapi import Api

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _limits_switched_off() -> bool:
    """`RATELIMIT_ENABLED=false` turns every limit off for this app."""
    return not current_app.config.get("LIMITS_ENABLED", True)
