"""Shared evals: `eval_runs` and `eval_trials`, the work several eval runners claim trials from.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from agents.memory._schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("suite", sa.String(255), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_eval_runs"),
    )
    op.create_table(
        "eval_trials",
        sa.Column("eval_id", sa.String(255), nullable=False),
        sa.Column("task_id", sa.String(255), nullable=False),
        sa.Column("trial", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("infra_error", sa.Boolean(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["eval_id"], ["eval_runs.id"], name="fk_eval_trials_eval_id_eval_runs", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("eval_id", "task_id", "trial", name="pk_eval_trials"),
    )
    op.create_index("ix_eval_trials_claim", "eval_trials", ["eval_id", "status", "position"])


def downgrade() -> None:
    op.drop_index("ix_eval_trials_claim", table_name="eval_trials")
    op.drop_table("eval_trials")
    op.drop_table("eval_runs")
