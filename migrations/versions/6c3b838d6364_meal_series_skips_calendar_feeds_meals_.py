"""meal series, skips, calendar feeds; meals' series, occurrence date and sequence

A series' meals are generated from its template (`meal_series`), one per date of its rule:
`UNIQUE (series_id, occurrence_date)` on meals keeps generation idempotent. `meals.sequence` is
the iCalendar SEQUENCE. `calendar_feeds` keeps the SHA-256 of each person's feed secret.

Revision ID: 6c3b838d6364
Revises: f6508964a4c1
Create Date: 2026-11-29 23:27:42.215250

"""
from alembic import op
import sqlalchemy as sa

import neighbours.database


# revision identifiers, used by Alembic.
revision = '6c3b838d6364'
down_revision = 'f6508964a4c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    op.create_table('meal_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canteen_id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('menu', sa.Text(), nullable=False),
    sa.Column('allergens', sa.JSON(), nullable=False),
    sa.Column('diets', sa.JSON(), nullable=False),
    sa.Column('cost_price_cents', sa.Integer(), nullable=False),
    sa.Column('rrule', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('signup_closes_before_minutes', sa.Integer(), nullable=False),
    sa.Column('pools', sa.JSON(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('publish', sa.Boolean(), nullable=False),
    sa.Column('ended_at', neighbours.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cost_price_cents >= 0', name=op.f('ck_meal_series_cost_price_not_negative')),
    sa.CheckConstraint('count IS NULL OR count > 0', name=op.f('ck_meal_series_count_positive')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_meal_series_duration_positive')),
    sa.ForeignKeyConstraint(['canteen_id'], ['canteens.id'], name=op.f('fk_meal_series_canteen_id_canteens'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meal_series_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['neighbourhood_id'], ['neighbourhoods.id'], name=op.f('fk_meal_series_neighbourhood_id_neighbourhoods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meal_series'))
    )
    with op.batch_alter_table('meal_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_series_canteen_id'), ['canteen_id'], unique=False)

    op.create_table('meal_series_skips',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_date', sa.Date(), nullable=False),
    sa.Column('created_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['meal_series.id'], name=op.f('fk_meal_series_skips_series_id_meal_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'occurrence_date', name=op.f('pk_meal_series_skips'))
    )
    with op.batch_alter_table('meals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('occurrence_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_meals_series_id_occurrence_date'), ['series_id', 'occurrence_date'])
        batch_op.create_foreign_key(batch_op.f('fk_meals_series_id_meal_series'), 'meal_series', ['series_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('meals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meals_series_id_meal_series'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_meals_series_id_occurrence_date'), type_='unique')
        batch_op.drop_column('sequence')
        batch_op.drop_column('occurrence_date')
        batch_op.drop_column('series_id')

    op.drop_table('meal_series_skips')
    with op.batch_alter_table('meal_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meal_series_canteen_id'))

    op.drop_table('meal_series')
    op.drop_table('calendar_feeds')
