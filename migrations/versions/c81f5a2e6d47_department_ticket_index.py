"""Tickets by department, newest first (staff full-text search at 10M)

Revision ID: c81f5a2e6d47
Revises: b7e3d91c4a20
Create Date: 2026-12-06 04:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c81f5a2e6d47'
down_revision = 'b7e3d91c4a20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tickets_department_id_id', 'tickets', ['department_id', 'id'])


def downgrade():
    op.drop_index('ix_tickets_department_id_id', table_name='tickets')
