"""Stored full-text vector of ticket descriptions (PostgreSQL)

Search rechecked and ranked by recomputing to_tsvector('turkish', description)
for every matching row (1.5 s for a common word at 1M tickets, bench/RESULTS.md);
a generated, stored column is computed once per write instead. PostgreSQL only:
SQLite searches with LIKE. Not in the models (himcrm.models.base.DB_ONLY_COLUMNS).

Revision ID: 5e0c1f2a9b7d
Revises: 1173993be775
Create Date: 2026-11-22 23:35:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e0c1f2a9b7d'
down_revision = '1173993be775'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "ALTER TABLE tickets ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('turkish'::regconfig, description)) STORED"
    )
    op.execute("CREATE INDEX ix_tickets_search_vector ON tickets USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_tickets_description_fts")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_tickets_description_fts ON tickets "
        "USING gin (to_tsvector('turkish', description))"
    )
    op.execute("DROP INDEX IF EXISTS ix_tickets_search_vector")
    op.execute("ALTER TABLE tickets DROP COLUMN search_vector")
