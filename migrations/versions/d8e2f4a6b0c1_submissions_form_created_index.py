"""index submissions by form and time, for the submissions table

Revision ID: d8e2f4a6b0c1
Revises: c3d5e7f9a1b2
Create Date: 2026-11-23 09:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d8e2f4a6b0c1"
down_revision = "c3d5e7f9a1b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_form_created", ["form_id", "created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_form_created")
