"""encryption bound to the row; staff password hashes encrypted

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

Encrypted values were bound to their column only (``v1``): a value copied into the same column of
another row decrypted there, so one account's second-factor secret or one case's notes could be
moved to another. From here on every value is bound to its table, column and row (``v2``, see
``core.crypto``), and this revision re-encrypts every stored value that way. The staff password
hash becomes an encrypted column too, so a hash copied into another account no longer verifies.

Re-encrypting needs the data keys, which are never in the database: run it as
``flask --app wsgi tsunagu init`` (the app configures the keys before migrating). On a database
holding no encrypted value yet, nothing needs them. Downgrading is refused once values are bound:
restore the backup taken before the upgrade instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core import crypto
from core.rotation import reencrypt_column

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The encrypted columns as of revision 0016; each one's context is "table.column".
BOUND_COLUMNS = (
    "staff_user.totp_secret",
    "staff_user.totp_pending_secret",
    "referral.person_name",
    "referral.person_kana",
    "referral.phone",
    "referral.line_name",
    "referral.email",
    "referral.preferred_times",
    "referral.wants",
    "referral.summary",
    "referral.assessment",
    "referral.end_note",
    "referral_consent.agencies",
    "referral_consent.withdrawal_note",
    "referral_contact_attempt.note",
    "referral_emergency_action.outcome",
    "referral_follow_up.result",
    "referral_link.agency_name",
    "referral_link.outcome",
    "referral_progress_note.body",
    "referral_status_change.reason",
    "referral_support_meeting.agencies",
    "referral_support_meeting.agenda",
    "referral_support_meeting.decisions",
    "referral_task.title",
)
HASH_COLUMN = "staff_user.password_hash"  # the context of the staff password hash


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=255), type_=sa.Text())
    metadata = sa.MetaData()
    tables = {
        name: sa.Table(name, metadata, autoload_with=bind)
        for name in {context.split(".")[0] for context in (*BOUND_COLUMNS, HASH_COLUMN)}
    }
    if not _holds_values(bind, tables):
        return
    if not crypto.keys_configured():
        raise RuntimeError(
            "migration 0017 re-encrypts personal data and needs the data keys: run it as "
            "`flask --app wsgi tsunagu init` with TSUNAGU_DATA_KEYS set"
        )
    for context in BOUND_COLUMNS:
        table, column = context.split(".")
        reencrypt_column(
            bind, tables[table], column, skip_prefix=f"{crypto.VERSION}.", context=context
        )
    _encrypt_password_hashes(bind, tables["staff_user"])


def downgrade() -> None:
    bind = op.get_bind()
    metadata = sa.MetaData()
    tables = {
        name: sa.Table(name, metadata, autoload_with=bind)
        for name in {context.split(".")[0] for context in (*BOUND_COLUMNS, HASH_COLUMN)}
    }
    if _holds_values(bind, tables):
        raise RuntimeError(
            "revision 0017 cannot be undone on a database holding personal data bound to its "
            "rows: restore the backup taken before the upgrade"
        )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.Text(), type_=sa.String(length=255))


def _holds_values(bind: sa.Connection, tables: dict[str, sa.Table]) -> bool:
    for context in (*BOUND_COLUMNS, HASH_COLUMN):
        table, column = context.split(".")
        column_ = tables[table].c[column]
        if bind.scalar(sa.select(column_).where(column_.is_not(None)).limit(1)) is not None:
            return True
    return False


def _encrypt_password_hashes(bind: sa.Connection, staff: sa.Table) -> None:
    rows = bind.execute(
        sa.select(staff.c.id, staff.c.password_hash).where(
            sa.not_(staff.c.password_hash.startswith(f"{crypto.VERSION}."))
        )
    ).all()
    for row_id, password_hash in rows:
        bind.execute(
            sa.update(staff)
            .where(staff.c.id == row_id)
            .values(password_hash=crypto.encrypt(password_hash, HASH_COLUMN, row_id))
        )
