"""User phone extension (screen pop target)

Revision ID: e4a1c9b27d30
Revises: cd2f3701f104
Create Date: 2026-11-22 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a1c9b27d30'
down_revision = 'cd2f3701f104'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_extension', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_users_phone_extension'), ['phone_extension']
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_phone_extension'), type_='unique')
        batch_op.drop_column('phone_extension')
