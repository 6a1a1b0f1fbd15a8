"""Reference data version token (per-process reference caches)

Revision ID: b7e3d91c4a20
Revises: 5e0c1f2a9b7d
Create Date: 2026-12-06 04:00:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3d91c4a20'
down_revision = '5e0c1f2a9b7d'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'reference_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    )
    # A random token per database: caches of two databases never agree by accident.
    op.bulk_insert(table, [{'id': 1, 'token': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('reference_version')
