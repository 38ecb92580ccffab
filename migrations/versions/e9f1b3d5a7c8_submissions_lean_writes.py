"""submissions: drop the form_id index the composite ones cover; lz4 for the instance on PostgreSQL

Revision ID: e9f1b3d5a7c8
Revises: c2e4a6b8d0f1
Create Date: 2026-11-24 05:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e9f1b3d5a7c8"
down_revision = "c2e4a6b8d0f1"
branch_labels = None
depends_on = None

# PostgreSQL 14 and later (asked first: before 14 the statement is a syntax error, raised as plpgsql compiles
# the block), when built with lz4; otherwise the columns keep the server's default.
_COMPRESSION = """DO $$ BEGIN
ALTER TABLE submissions ALTER COLUMN xml SET COMPRESSION {method}, ALTER COLUMN data SET COMPRESSION {method};
EXCEPTION WHEN feature_not_supported THEN NULL; END $$"""


def _has_column_compression() -> bool:
    dialect = op.get_bind().dialect
    return dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (14,)


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_form_id")
    if _has_column_compression():
        op.execute(_COMPRESSION.format(method="lz4"))  # rows already stored keep theirs until rewritten


def downgrade():
    if _has_column_compression():
        op.execute(_COMPRESSION.format(method="default"))
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_form_id", ["form_id"], unique=False)
