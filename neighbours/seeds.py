"""Demo content that features add to `flask seed-demo`: a canteen and a week of meals."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from neighbours.accounts.models import User
from neighbours.database import utcnow
from neighbours.extensions import db
from neighbours.feed.models import Category, Comment, ContentStatus, Post
from neighbours.meals.models import (
    Canteen,
    CanteenHost,
    Meal,
    MealStatus,
    SeatPool,
    Signup,
    SignupStatus,
)
from neighbours.messages.models import Conversation, ConversationKind, Message, Participant

LYON = ZoneInfo("Europe/Paris")

WEEK_OF_MEALS = [
    (
        "Soupe au potiron et pain partagé",
        "Velouté de potiron, pain de campagne, fromage blanc",
        ["milk", "gluten"],
        ["vegetarian"],
    ),
    (
        "Couscous aux légumes",
        "Semoule, légumes du marché, pois chiches, harissa à part",
        ["gluten", "celery"],
        ["vegetarian", "vegan", "halal"],
    ),
    (
        "Dahl de lentilles corail",
        "Lentilles, lait de coco, riz basmati, chutney",
        ["mustard"],
        ["vegetarian", "vegan", "gluten_free"],
    ),
    (
        "Gratin dauphinois et salade",
        "Pommes de terre, crème, salade verte aux noix",
        ["milk", "nuts"],
        ["vegetarian", "gluten_free"],
    ),
    (
        "Tajine de poulet aux olives",
        "Poulet fermier, citron confit, olives, semoule",
        ["gluten"],
        ["halal", "no_pork"],
    ),
    (
        "Crêpes du quartier",
        "Crêpes salées et sucrées, cidre doux",
        ["gluten", "eggs", "milk", "sulphites"],
        ["vegetarian"],
    ),
    (
        "Brunch du dimanche",
        "Pain perdu, houmous, œufs brouillés, fruits",
        ["gluten", "eggs", "milk", "sesame"],
        ["vegetarian"],
    ),
]


def _local(day: datetime, at: time) -> datetime:
    return datetime.combine(day.date(), at, tzinfo=LYON)


def seed_meals(neighbourhood: Any) -> None:
    """A canteen hosted by the demo host, with a published meal each day of the coming week."""
    if db.session.execute(
        select(Canteen.id).where(Canteen.neighbourhood_id == neighbourhood.id)
    ).first():
        return
    host = db.session.execute(
        select(User).where(User.email == "host@demo.neighbours.test")
    ).scalar_one()
    diner = db.session.execute(
        select(User).where(User.email == "lea@demo.neighbours.test")
    ).scalar_one()
    canteen = Canteen(
        neighbourhood_id=neighbourhood.id,
        name="La Cantine de la Croix-Rousse",
        address="8 place de la Croix-Rousse, 69004 Lyon",
        timezone="Europe/Paris",
        default_capacity=24,
    )
    db.session.add(canteen)
    db.session.flush()
    db.session.add(CanteenHost(canteen_id=canteen.id, user_id=host.id))
    today = utcnow().astimezone(LYON)
    for offset, (title, menu, allergens, diets) in enumerate(WEEK_OF_MEALS, start=1):
        day = today + timedelta(days=offset)
        starts_at = _local(day, time(12, 30) if day.weekday() >= 5 else time(19, 30))
        meal = Meal(
            canteen_id=canteen.id,
            neighbourhood_id=neighbourhood.id,
            title=title,
            menu=menu,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            signup_closes_at=starts_at - timedelta(hours=3),
            allergens=allergens,
            diets=diets,
            cost_price_cents=450,
            status=MealStatus.PUBLISHED,
            created_by_id=host.id,
            availability_version=1,
        )
        meal.pools = [
            SeatPool(key="table", label="At the table", capacity=24, taken=0, position=0),
            SeatPool(
                key="kitchen",
                label="Cooking in the kitchen",
                capacity=4,
                taken=0,
                position=1,
                starts_at=starts_at - timedelta(hours=2),
            ),
        ]
        db.session.add(meal)
        db.session.flush()
        if offset == 1:
            meal.pools[1].taken = 1
            db.session.add(
                Signup(
                    meal_id=meal.id,
                    pool_id=meal.pools[1].id,
                    user_id=diner.id,
                    party_size=1,
                    note="I'll bring bread",
                    status=SignupStatus.CONFIRMED,
                    waitlist_seq=1,
                    confirmed_at=utcnow(),
                )
            )


DEMO_POSTS = [
    (
        "moderator",
        "announcement",
        "Bienvenue sur le fil de la Croix-Rousse",
        "Ici on s'entraide, on prête, on se retrouve à la cantine. Restez bienveillants !",
        True,
    ),
    (
        "lea",
        "help_request",
        "Quelqu'un aurait une perceuse ?",
        "Pour accrocher deux étagères samedi matin. Je rends avec une part de tarte.",
        False,
    ),
    (
        "tomas",
        "offer",
        "Courges du jardin à donner",
        "Trop de potimarrons cette année : servez-vous, c'est devant le 12 rue d'Austerlitz.",
        False,
    ),
    (
        "fatou",
        "lost_found",
        "Trouvé : clé avec un porte-clé vélo",
        "Trouvée près du métro Croix-Rousse mardi soir. Décrivez-la et elle est à vous.",
        False,
    ),
    (
        "host",
        "event",
        "Atelier cuisine avant la cantine de jeudi",
        "On épluche et on rigole dès 17h30. Inscrivez-vous dans le groupe cuisine du repas.",
        False,
    ),
]
DEMO_COMMENTS = [
    (1, "tomas", "J'en ai une, passe la prendre vendredi soir."),
    (1, "lea", "Merci Tomás, à vendredi !"),
    (2, "fatou", "Je veux bien deux potimarrons pour la soupe de la cantine."),
]


def _people() -> dict[str, Any]:
    keys = {"moderator", "host", "lea", "tomas", "fatou"}
    return {
        key: db.session.execute(
            select(User).where(User.email == f"{key}@demo.neighbours.test")
        ).scalar_one()
        for key in keys
    }


def seed_feed(neighbourhood: Any) -> None:
    """A handful of posts and comments, and a conversation between two neighbours."""
    if db.session.execute(select(Post.id).where(Post.neighbourhood_id == neighbourhood.id)).first():
        return
    people = _people()
    now = utcnow()
    posts = []
    for age, (who, category, title, body, pinned) in enumerate(reversed(DEMO_POSTS)):
        post = Post(
            neighbourhood_id=neighbourhood.id,
            author_id=people[who].id,
            category=Category(category),
            title=title,
            body=body,
            status=ContentStatus.PUBLISHED,
            pinned=pinned,
            created_at=now - timedelta(hours=3 * age + 1),
        )
        posts.append(post)
    db.session.add_all(posts)
    db.session.flush()
    by_title = {p.title: p for p in posts}
    ordered = [by_title[t] for _, _, t, _, _ in DEMO_POSTS]
    for minutes, (index, who, body) in enumerate(DEMO_COMMENTS):
        db.session.add(
            Comment(
                post_id=ordered[index].id,
                author_id=people[who].id,
                body=body,
                status=ContentStatus.PUBLISHED,
                created_at=ordered[index].created_at + timedelta(minutes=10 * (minutes + 1)),
            )
        )
    lea, tomas = people["lea"], people["tomas"]
    conversation = Conversation(
        kind=ConversationKind.DIRECT,
        neighbourhood_id=neighbourhood.id,
        direct_key=":".join(str(i) for i in sorted([lea.id, tomas.id])),
        created_by_id=lea.id,
        created_at=now - timedelta(hours=2),
        last_activity_at=now - timedelta(hours=1),
    )
    db.session.add(conversation)
    db.session.flush()
    first = Message(
        conversation_id=conversation.id,
        author_id=lea.id,
        body="Salut Tomás, la perceuse, c'est toujours possible vendredi ?",
        status=ContentStatus.PUBLISHED,
        created_at=now - timedelta(hours=2),
    )
    second = Message(
        conversation_id=conversation.id,
        author_id=tomas.id,
        body="Oui, vers 19h. Je te laisse aussi les mèches.",
        status=ContentStatus.PUBLISHED,
        created_at=now - timedelta(hours=1),
    )
    db.session.add_all([first, second])
    db.session.flush()
    conversation.last_message_id = second.id
    db.session.add_all(
        [
            Participant(
                conversation_id=conversation.id,
                user_id=lea.id,
                joined_at=now,
                last_read_message_id=first.id,
            ),
            Participant(
                conversation_id=conversation.id,
                user_id=tomas.id,
                joined_at=now,
                last_read_message_id=second.id,
            ),
        ]
    )


def extend_demo(neighbourhood: Any) -> None:
    """Each feature's demo content, in dependency order."""
    seed_meals(neighbourhood)
    seed_feed(neighbourhood)
