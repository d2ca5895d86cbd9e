"""Flask commands: `flask seed-demo`, `flask create-admin`, `flask prune-events`,
`flask extend-series`; the job runner's `flask worker` and `flask jobs ...`
(`neighbours.jobs.cli`)."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from neighbours import seeds
from neighbours.accounts.models import User
from neighbours.auth import hash_password
from neighbours.extensions import db
from neighbours.jobs import cli as jobs_cli
from neighbours.meals.series import extend_series
from neighbours.neighbourhoods.models import (
    JoinPolicy,
    Membership,
    MembershipStatus,
    Neighbourhood,
    Role,
)
from neighbours.realtime import relay

DEMO_PASSWORD = "croix-rousse-canteen-2026"

# email, display name, role in the demo neighbourhood, dietary needs
DEMO_PEOPLE = [
    ("moderator@demo.neighbours.test", "Amélie (moderator)", "moderator", [], []),
    ("host@demo.neighbours.test", "Karim (canteen host)", "host", ["halal"], []),
    ("lea@demo.neighbours.test", "Léa", "member", ["vegetarian"], ["nuts"]),
    ("tomas@demo.neighbours.test", "Tomás", "member", [], ["gluten", "milk"]),
    ("fatou@demo.neighbours.test", "Fatou", "member", ["vegan"], ["sesame"]),
]


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo neighbourhood in Lyon with its people; safe to run twice."""
    neighbourhood = db.session.execute(
        select(Neighbourhood).where(Neighbourhood.name == "Croix-Rousse")
    ).scalar_one_or_none()
    if neighbourhood is None:
        neighbourhood = Neighbourhood(
            name="Croix-Rousse",
            description="The hill of the silk workers, Lyon 4e. Shared table on Thursdays.",
            city="Lyon",
            latitude=45.7745,
            longitude=4.8320,
            radius_m=1500,
            join_policy=JoinPolicy.APPROVAL,
        )
        db.session.add(neighbourhood)
        db.session.add(
            Neighbourhood(
                name="Guillotière",
                description="Lyon 7e, around the place Gabriel Péri.",
                city="Lyon",
                latitude=45.7540,
                longitude=4.8430,
                radius_m=1200,
                join_policy=JoinPolicy.OPEN,
            )
        )
    logins = []
    for email, name, role, diets, allergens in DEMO_PEOPLE:
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(
                email=email,
                password_hash=hash_password(DEMO_PASSWORD),
                display_name=name,
                languages=["fr", "en"],
                diets=diets,
                allergens=allergens,
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Membership(
                    neighbourhood=neighbourhood,
                    user_id=user.id,
                    role=Role(role),
                    status=MembershipStatus.ACTIVE,
                )
            )
        logins.append((email, role))
    db.session.flush()
    seeds.extend_demo(neighbourhood)
    db.session.commit()
    return logins


def empty_database() -> int:
    """Delete every row of every table of the app (children first); returns how many tables.

    For `seed-demo --reset` on a development database: it holds the demo and what was tried
    on it, all of which goes. The schema (and Alembic's version) stays.
    """
    tables = list(reversed(db.metadata.sorted_tables))
    for table in tables:
        db.session.execute(table.delete())
    db.session.commit()
    return len(tables)


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option(
        "--reset",
        is_flag=True,
        help="Empty the database first (every row of every table), then seed again. "
        "Refused when NEIGHBOURS_ENV=production.",
    )
    def seed_demo_command(reset: bool) -> None:
        """Seed a demo neighbourhood in Lyon and print the demo logins."""
        if reset:
            if app.config["NEIGHBOURS_ENV"] == "production":
                raise click.ClickException(
                    "seed-demo --reset empties the database: refused in production"
                )
            count = empty_database()
            click.echo(f"Emptied {count} tables: the demo starts again.")
        logins = seed_demo()
        click.echo(
            "Demo neighbourhood: Croix-Rousse, Lyon. Demo logins (password for all: "
            f"{DEMO_PASSWORD}):"
        )
        for email, role in logins:
            click.echo(f"  {role:<10} {email}")

    @app.cli.command("create-admin")
    @click.argument("email")
    def create_admin(email: str) -> None:
        """Make an existing account a site admin (moderates every neighbourhood)."""
        user = db.session.execute(
            select(User).where(User.email == email.strip().lower())
        ).scalar_one_or_none()
        if user is None:
            raise click.ClickException(f"no account with email {email}")
        user.is_admin = True
        db.session.commit()
        click.echo(f"{email} is now a site admin")

    @app.cli.command("prune-events")
    def prune_events() -> None:
        """Delete the logged events older than EVENT_RETENTION_HOURS (the relay does it too)."""
        click.echo(f"pruned {relay.prune(app)} events")

    jobs_cli.register(app)

    @app.cli.command("extend-series")
    def extend_series_command() -> None:
        """Generate the meals of every active meal series for the weeks ahead (idempotent;
        the job runner does it periodically)."""
        click.echo(f"created {extend_series()} meals")
