"""Encrypted values are bound to their row: copied into another row, they no longer decrypt."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, MetaData, insert, inspect, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, aliased, mapped_column

from backoffice.referrals.models import Referral
from backoffice.staff.models import StaffUser
from core import crypto
from core.crypto import DecryptionError, EncryptedJSON, EncryptedString, RowBound
from core.db import get_engine, make_engine
from core.migrate import alembic_config, upgrade_to_head
from core.rotation import rotate_encrypted_values
from tests.conftest import SERVER_URL, TEST_DATA_KEYS
from tests.databases import fresh_database
from tests.referrals import make_referral
from tests.staff import make_staff, post_form

NAME = "山田 花子"


class ScratchBase(DeclarativeBase):
    metadata = MetaData()


class Note(ScratchBase):
    __tablename__ = "crypto_rows_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str | None] = mapped_column(EncryptedString("crypto_rows_note.body"))
    label: Mapped[str | None] = mapped_column(EncryptedString("crypto_rows_note.label"), default="")
    names: Mapped[list[str] | None] = mapped_column(
        EncryptedJSON("crypto_rows_note.names"), default=list
    )


@pytest.fixture
def db(backoffice_app: Flask) -> Iterator[Session]:
    engine = get_engine(backoffice_app)  # the app configured the keys
    ScratchBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    ScratchBase.metadata.drop_all(engine)


def raw(session: Session, column: str) -> list[str | None]:
    return list(session.scalars(text(f"SELECT {column} FROM crypto_rows_note ORDER BY id")))  # noqa: S608


def test_a_value_copied_into_the_same_column_of_another_row_does_not_decrypt(db: Session) -> None:
    db.add_all([Note(body=NAME), Note(body="別の記録")])
    db.commit()
    db.execute(
        text(
            "UPDATE crypto_rows_note SET body = (SELECT body FROM crypto_rows_note WHERE id = 1)"
            " WHERE id = 2"
        )
    )
    db.commit()

    assert db.scalar(select(Note.body).where(Note.id == 1)) == NAME
    with pytest.raises(DecryptionError, match="another column or row"):
        db.scalar(select(Note.body).where(Note.id == 2))


def test_new_rows_get_their_ids_before_the_insert_and_read_back(db: Session) -> None:
    notes = [Note(body=f"記録{number}") for number in range(5)]
    db.add_all(notes)
    db.commit()
    db.add(Note(body="あとから"))
    db.commit()
    db.expire_all()

    assert [note.id for note in notes] == [1, 2, 3, 4, 5]
    assert list(db.scalars(select(Note.body).order_by(Note.id))) == [
        *(f"記録{number}" for number in range(5)),
        "あとから",
    ]


def test_the_application_sees_plaintext_after_a_flush_and_after_a_failed_one(db: Session) -> None:
    note = Note(body=NAME)
    db.add(note)
    db.flush()
    assert note.body == NAME and note.label == "" and note.names == []
    note.body = "変更後"
    db.add(Note(id=note.id, body="重複"))  # the same id: the flush fails
    with pytest.raises(Exception):  # noqa: B017 (the database's own integrity error)
        db.flush()
    db.rollback()

    assert not any(isinstance(value, RowBound) for value in inspect(note).dict.values())


def test_changed_values_and_column_defaults_are_bound_too(db: Session) -> None:
    note = Note(body="最初")
    db.add(note)
    db.commit()
    note.body, note.names = "二度目", ["福祉事務所"]
    db.commit()
    db.expire_all()

    assert (note.body, note.label, note.names) == ("二度目", "", ["福祉事務所"])
    assert all(value.startswith("v2.") for value in raw(db, "body") + raw(db, "label"))


def test_a_bare_string_written_without_its_row_is_refused(db: Session) -> None:
    with pytest.raises(Exception, match="bound to its row"):
        db.connection().execute(insert(Note.__table__), [{"id": 1, "body": NAME}])
    db.rollback()

    # Core writes name every encrypted value, defaults included: nothing binds them otherwise.
    db.connection().execute(
        insert(Note.__table__), [{"id": 7, "body": RowBound(NAME, 7), "label": None, "names": None}]
    )
    assert db.scalar(select(Note.body)) == NAME


def test_core_queries_and_aliases_read_values_with_their_rows(db: Session) -> None:
    db.add_all([Note(body="一"), Note(body="二")])
    db.commit()
    other = aliased(Note)
    pairs = db.execute(
        select(Note.body, other.body).join(other, other.id == Note.id + 1).order_by(Note.id)
    ).all()
    subquery = select(Note.id, Note.body).subquery()

    assert pairs == [("一", "二")]
    assert list(db.scalars(select(subquery.c.body).order_by(subquery.c.id))) == ["一", "二"]


def test_a_legacy_value_is_refused_until_rotation_binds_it_to_its_row(db: Session) -> None:
    db.connection().execute(
        insert(Note.__table__), [{"id": 3, "body": None, "label": None, "names": None}]
    )
    db.execute(
        text("UPDATE crypto_rows_note SET body = :value WHERE id = 3"),
        {"value": legacy_encrypt(NAME, "crypto_rows_note.body")},
    )
    db.commit()
    with pytest.raises(DecryptionError, match="keys rotate"):
        db.scalar(select(Note.body))
    db.rollback()

    counts = rotate_encrypted_values(db, ScratchBase.metadata)
    db.commit()

    assert counts["crypto_rows_note.body"] == 1
    assert db.scalar(select(Note.body)) == NAME


def test_a_second_factor_and_password_copied_to_another_account_do_not_sign_in(
    backoffice_app: Flask, staff_client: FlaskClient
) -> None:
    intruder = make_staff(backoffice_app, "editor", login="intruder")
    admin = make_staff(backoffice_app, "admin", login="chief")
    with Session(get_engine(backoffice_app)) as session, session.begin():
        for column in ("password_hash", "totp_secret"):
            session.execute(
                text(
                    f"UPDATE staff_user SET {column} ="  # noqa: S608
                    f" (SELECT {column} FROM staff_user WHERE id = :intruder) WHERE id = :admin"
                ),
                {"intruder": intruder.id, "admin": admin.id},
            )

    response = post_form(staff_client, "/login", {"login": "chief", "password": intruder.password})

    assert response.status_code == 401
    with Session(get_engine(backoffice_app)) as session:
        with pytest.raises(DecryptionError):
            session.scalar(select(StaffUser.totp_secret).where(StaffUser.id == admin.id))
        with pytest.raises(DecryptionError):
            session.scalar(select(StaffUser.password_hash).where(StaffUser.id == admin.id))


def test_case_fields_moved_between_cases_do_not_decrypt(backoffice_app: Flask) -> None:
    creator = make_staff(backoffice_app, "liaison")
    first = make_referral(backoffice_app, creator.id)
    second = make_referral(backoffice_app, creator.id)
    with Session(get_engine(backoffice_app)) as session, session.begin():
        session.execute(
            text(
                "UPDATE referral SET summary = (SELECT summary FROM referral WHERE id = :a)"
                " WHERE id = :b"
            ),
            {"a": first, "b": second},
        )
    with (
        Session(get_engine(backoffice_app)) as session,
        pytest.raises(DecryptionError, match=r"referral\.summary"),
    ):
        session.get(Referral, second)


def test_migration_0017_binds_existing_values_to_their_rows(
    backoffice_app: Flask, tmp_path: Path
) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0016")
        seed_legacy_staff(engine)

        upgrade_to_head(engine)

        with Session(engine) as session:
            user = session.scalars(select(StaffUser)).one()
            assert (user.password_hash, user.totp_secret) == ("$argon2id$fake", "SECRETBASE32")
            stored = session.execute(text("SELECT password_hash, totp_secret FROM staff_user"))
            assert all(value.startswith("v2.") for value in stored.one())
        engine.dispose()


def test_migration_0017_needs_the_keys_when_there_is_data_to_bind(
    backoffice_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0016")
        seed_legacy_staff(engine)
        monkeypatch.setattr(crypto, "_configured", None)

        with pytest.raises(RuntimeError, match="tsunagu init"):
            upgrade_to_head(engine)
        engine.dispose()


def seed_legacy_staff(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO staff_user (id, login, display_name, email, active, password_hash,"
                " must_change_password, totp_secret, failed_logins, created_at, updated_at)"
                " VALUES (1, 'old', '職員', '', true, '$argon2id$fake', false, :secret, 0,"
                " :now, :now)"
            ),
            {
                "secret": legacy_encrypt("SECRETBASE32", "staff_user.totp_secret"),
                "now": "2026-01-01 00:00:00+00:00",
            },
        )


def legacy_encrypt(plaintext: str, context: str) -> str:
    """A value as written before rows were bound: the column alone in the associated data."""
    key_id, encoded = TEST_DATA_KEYS.split(":")
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(crypto.decode_key(encoded)).encrypt(
        nonce, plaintext.encode(), f"v1.{key_id}.{context}".encode()
    )
    return f"v1.{key_id}." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
