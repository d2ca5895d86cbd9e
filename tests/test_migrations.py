"""The migrations build the schema from empty, and the models agree with them, on both databases."""

from __future__ import annotations

import os
import tempfile

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from neighbours import create_app
from neighbours.extensions import db
from tests.support.settings import IS_POSTGRES, base_config

# Real commits: migrations run DDL on their own connections.
pytestmark = pytest.mark.commits

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "migrations")


def _differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_sqlite_migrates_from_empty_and_matches_the_models():
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(base_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/fresh.db"))
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            assert _differences() == []
            # And back down to nothing, so a bad release can be rolled back.
            downgrade(directory=MIGRATIONS, revision="base")
            with db.engine.connect() as conn:
                tables = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master "
                    "WHERE type = 'table' AND name != 'alembic_version'"
                ).all()
            assert tables == []
            db.engine.dispose()


@pytest.mark.postgres
def test_postgres_schema_built_by_the_migrations_matches_the_models(app):
    # The session fixture built this database from empty with the migrations.
    assert IS_POSTGRES
    assert _differences() == []
