"""jobs: consumers' heartbeats; meals' reminders, briefs and digests sent (one row each:
the "once"); notification settings; canteens' reminder lead and brief time

Revision ID: f6508964a4c1
Revises: 038e7f1c9d29
Create Date: 2026-11-29 23:31:08.962256

"""
from alembic import op
import sqlalchemy as sa

import neighbours.database


# revision identifiers, used by Alembic.
revision = 'f6508964a4c1'
down_revision = '038e7f1c9d29'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_consumers',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('hostname', sa.String(length=80), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('started_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('beat_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', neighbours.database.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_consumers'))
    )
    with op.batch_alter_table('job_consumers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_consumers_beat_at'), ['beat_at'], unique=False)

    op.create_table('notification_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('diner_reminders', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('kitchen_reminders', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('waitlist_reminders', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('morning_brief', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('free_seats_digest', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings'))
    )
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_settings_free_seats_digest'), ['free_seats_digest'], unique=False)

    op.create_table('seat_digests',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('meals', sa.Integer(), nullable=False),
    sa.Column('sent_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_seat_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_seat_digests'))
    )
    op.create_table('host_briefs',
    sa.Column('meal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meal_id'], ['meals.id'], name=op.f('fk_host_briefs_meal_id_meals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_host_briefs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meal_id', 'user_id', name=op.f('pk_host_briefs'))
    )
    with op.batch_alter_table('host_briefs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_host_briefs_user_id'), ['user_id'], unique=False)

    op.create_table('meal_reminders',
    sa.Column('signup_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('meal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', neighbours.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meal_id'], ['meals.id'], name=op.f('fk_meal_reminders_meal_id_meals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signup_id'], ['signups.id'], name=op.f('fk_meal_reminders_signup_id_signups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meal_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('signup_id', 'kind', name=op.f('pk_meal_reminders'))
    )
    with op.batch_alter_table('meal_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meal_reminders_meal_id'), ['meal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meal_reminders_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('canteens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_minutes', sa.Integer(), server_default='180', nullable=False))
        batch_op.add_column(sa.Column('brief_at', sa.String(length=5), server_default='08:00', nullable=False))



def downgrade():
    with op.batch_alter_table('canteens', schema=None) as batch_op:
        batch_op.drop_column('brief_at')
        batch_op.drop_column('reminder_minutes')

    with op.batch_alter_table('meal_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meal_reminders_user_id'))
        batch_op.drop_index(batch_op.f('ix_meal_reminders_meal_id'))

    op.drop_table('meal_reminders')
    with op.batch_alter_table('host_briefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_host_briefs_user_id'))

    op.drop_table('host_briefs')
    op.drop_table('seat_digests')
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_settings_free_seats_digest'))

    op.drop_table('notification_settings')
    with op.batch_alter_table('job_consumers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_consumers_beat_at'))

    op.drop_table('job_consumers')
