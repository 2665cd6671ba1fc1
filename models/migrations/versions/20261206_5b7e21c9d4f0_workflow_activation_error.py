"""workflow.activation_error: why a trigger of an active workflow could not start

Written by hand: one nullable text column.

Revision ID: 5b7e21c9d4f0
Revises: a094b382da60
Create Date: 2026-12-06 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '5b7e21c9d4f0'
down_revision: str | Sequence[str] | None = 'a094b382da60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('workflow', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activation_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('workflow', schema=None) as batch_op:
        batch_op.drop_column('activation_error')
