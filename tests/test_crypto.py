"""Field encryption: values at rest are ciphertext bound to their column and row; keys rotate."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import Engine, MetaData, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from core import crypto
from core.config import ConfigError, Settings
from core.crypto import (
    DecryptionError,
    EncryptedString,
    KeyRing,
    blind_index,
    configure_keyring,
    decode_key,
    init_crypto,
)
from core.db import get_engine, init_db
from core.keys_cli import build_keys_group
from core.rotation import rotate_encrypted_values
from tests.conftest import TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS

NAME = "山田 花子"
NEW_KEY = "test2:" + base64.urlsafe_b64encode(b"\x02" * 32).decode()
OTHER_INDEX_KEY = b"\x03" * 32


class ScratchBase(DeclarativeBase):
    """A test-only base: its table is never part of the migrated schema."""

    metadata = MetaData()


class Person(ScratchBase):
    __tablename__ = "crypto_test_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(EncryptedString("crypto_test_person.name"))
    note: Mapped[str | None] = mapped_column(EncryptedString("crypto_test_person.note"))


def use_keys(data_keys: str, index_key: bytes | None = None) -> None:
    configure_keyring(KeyRing.parse(data_keys), index_key or decode_key(TEST_BLIND_INDEX_KEY))


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever a test configures, the module's keys are put back afterwards.
    monkeypatch.setattr(crypto, "_configured", None)
    use_keys(TEST_DATA_KEYS)


@pytest.fixture
def scratch_table(engine: Engine) -> Iterator[Engine]:
    ScratchBase.metadata.create_all(engine)
    yield engine
    ScratchBase.metadata.drop_all(engine)


@pytest.fixture
def db(scratch_table: Engine) -> Iterator[Session]:
    # Opened after the table exists and closed before it is dropped (PostgreSQL would wait).
    with Session(scratch_table) as session:
        yield session


def add_people(session: Session, *names: str) -> list[int]:
    people = [Person(name=name, note=f"note for {name}") for name in names]
    session.add_all(people)
    session.commit()
    return [person.id for person in people]


def read_names(session: Session) -> list[str | None]:
    session.expire_all()
    return list(session.scalars(select(Person.name).order_by(Person.id)))


def raw_names(session: Session) -> list[str | None]:
    return list(session.scalars(text("SELECT name FROM crypto_test_person ORDER BY id")))


def set_raw_name(session: Session, person_id: int, value: str) -> None:
    session.execute(
        text("UPDATE crypto_test_person SET name = :value WHERE id = :id"),
        {"value": value, "id": person_id},
    )
    session.commit()


def test_a_value_reads_back_as_written(db: Session) -> None:
    add_people(db, NAME)

    assert read_names(db) == [NAME]


def test_none_stays_none_in_the_database(db: Session) -> None:
    db.add(Person(name=None))
    db.commit()

    assert read_names(db) == [None]
    assert db.scalar(text("SELECT name FROM crypto_test_person")) is None


def test_the_database_holds_no_plaintext(db: Session) -> None:
    add_people(db, NAME)

    [stored] = raw_names(db)
    assert stored.startswith("v2.test1.")
    assert stored.isascii()
    assert NAME not in stored and "山田" not in stored
    assert NAME.encode("utf-8") not in stored.encode("utf-8")


def test_the_same_value_encrypts_differently_each_time(db: Session) -> None:
    add_people(db, NAME, NAME)

    first, second = raw_names(db)
    assert first != second


def test_a_tampered_value_fails_to_decrypt(db: Session) -> None:
    [person_id] = add_people(db, NAME)
    [stored] = raw_names(db)
    middle = len(stored) - 20  # inside the ciphertext, not the last character's spare bits
    tampered = stored[:middle] + ("B" if stored[middle] != "B" else "C") + stored[middle + 1 :]
    set_raw_name(db, person_id, tampered)

    with pytest.raises(DecryptionError, match="altered"):
        read_names(db)


def test_a_value_relabelled_with_another_key_id_fails_to_decrypt(db: Session) -> None:
    use_keys(f"{NEW_KEY},{TEST_DATA_KEYS}")
    [person_id] = add_people(db, NAME)
    [stored] = raw_names(db)
    set_raw_name(db, person_id, stored.replace("v2.test2.", "v2.test1.", 1))

    with pytest.raises(DecryptionError):
        read_names(db)


def test_a_value_moved_to_another_column_fails_to_decrypt(db: Session) -> None:
    [person_id] = add_people(db, NAME)
    db.execute(text("UPDATE crypto_test_person SET note = name WHERE id = :id"), {"id": person_id})
    db.commit()

    with pytest.raises(DecryptionError, match=r"crypto_test_person\.note"):
        db.scalar(select(Person.note))


def test_a_value_under_an_unknown_key_fails_to_decrypt(db: Session) -> None:
    use_keys(NEW_KEY)
    add_people(db, NAME)
    use_keys(TEST_DATA_KEYS)

    with pytest.raises(DecryptionError, match="no key with id 'test2'"):
        read_names(db)


def test_encrypted_columns_refuse_comparison_with_a_value() -> None:
    with pytest.raises(TypeError, match="blind index"):
        select(Person).where(Person.name == NAME)

    select(Person).where(Person.name.is_(None), Person.note != None)  # noqa: E711


def test_the_type_repr_keeps_its_context_for_migrations() -> None:
    assert repr(EncryptedString("crypto_test_person.name")) == (
        "EncryptedString('crypto_test_person.name')"
    )


def test_use_before_configuration_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_configured", None)

    with pytest.raises(RuntimeError, match="init_crypto"):
        crypto.encrypt(NAME, "crypto_test_person.name", 1)


def test_old_key_values_still_read_after_a_new_key_is_put_first(db: Session) -> None:
    add_people(db, "古い値")
    use_keys(f"{NEW_KEY},{TEST_DATA_KEYS}")
    add_people(db, "新しい値")

    assert read_names(db) == ["古い値", "新しい値"]
    assert [value[:9] for value in raw_names(db)] == ["v2.test1.", "v2.test2."]


def test_rotation_moves_every_value_to_the_new_key(db: Session) -> None:
    names = [f"利用者{number}" for number in range(7)]
    add_people(db, *names)
    db.add(Person(name=None, note="名前のない記録"))
    db.commit()
    use_keys(f"{NEW_KEY},{TEST_DATA_KEYS}")
    add_people(db, "新しい値")

    counts = rotate_encrypted_values(db, ScratchBase.metadata, batch_size=3)
    db.commit()
    again = rotate_encrypted_values(db, ScratchBase.metadata)
    db.rollback()
    use_keys(NEW_KEY)

    assert counts == {"crypto_test_person.name": 7, "crypto_test_person.note": 8}
    assert again == {"crypto_test_person.name": 0, "crypto_test_person.note": 0}
    assert all(value is None or value.startswith("v2.test2.") for value in raw_names(db))
    assert read_names(db) == [*names, None, "新しい値"]
    assert db.scalars(select(Person.note).order_by(Person.id)).first() == "note for 利用者0"


def test_rotation_over_the_models_tables_finds_nothing_to_do_when_empty(session: Session) -> None:
    counts = rotate_encrypted_values(session)

    assert all(count == 0 for count in counts.values())


def test_blind_index_matches_full_width_and_half_width_phone_numbers() -> None:
    full_width = blind_index("０９０－１２３４－５６７８", "phone")

    assert full_width == blind_index("090-1234-5678", "phone")
    assert blind_index(" 090 1234 5678 ", "phone") == blind_index("09012345678", "phone")


def test_blind_index_folds_width_case_and_spacing_of_names() -> None:
    assert blind_index("ＹＡＭＡＤＡ　Hanako ", "name") == blind_index("yamada hanako", "name")
    assert blind_index(NAME, "name") != blind_index("山田 太郎", "name")


def test_blind_index_differs_across_purposes_and_keys() -> None:
    by_phone = blind_index("09012345678", "phone")
    by_name = blind_index("09012345678", "name")
    use_keys(TEST_DATA_KEYS, OTHER_INDEX_KEY)

    assert by_phone != by_name
    assert blind_index("09012345678", "phone") != by_phone
    assert len(by_phone) == 64 and int(by_phone, 16) >= 0


def test_blind_index_refuses_a_value_with_nothing_to_index() -> None:
    with pytest.raises(ValueError, match="nothing to index"):
        blind_index("不明", "phone")


def test_keyring_parse_reads_the_active_key_first() -> None:
    keyring = KeyRing.parse(f" {NEW_KEY} , {TEST_DATA_KEYS}")

    assert keyring.active_id == "test2"
    assert keyring.ids == ("test2", "test1")
    assert keyring.key("test1") == b"\x00" * 32
    assert "AAAA" not in repr(keyring)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("  ", "is empty"),
        (f"{TEST_DATA_KEYS},", "entry 2 is empty"),
        ("A" * 43 + "=", "must look like id:base64key"),
        ("bad.id:" + "A" * 43, "key id must be"),
        (":" + "A" * 43, "key id must be"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.urlsafe_b64encode(b"\x00" * 16).decode(), "must be 32 bytes, not 16"),
        (f"{TEST_DATA_KEYS},{TEST_DATA_KEYS}", "repeats the key id 'test1'"),
        (f"{TEST_DATA_KEYS},TEST1:" + "B" * 43, "repeats the key id 'TEST1'"),
    ],
)
def test_keyring_parse_names_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        KeyRing.parse(text)

    assert "\n" not in str(error.value)
    assert "AAAAAAAA" not in str(error.value)


def test_keyring_parse_accepts_keys_without_padding() -> None:
    assert KeyRing.parse("k1:" + "A" * 43).key("k1") == b"\x00" * 32


def test_init_crypto_configures_from_the_settings(settings: Settings) -> None:
    app = Flask(__name__)

    init_crypto(app, replace(settings, data_keys=f"{NEW_KEY},{TEST_DATA_KEYS}"))

    assert crypto.current_keyring().active_id == "test2"
    assert app.extensions["tsunagu.keyring"] is crypto.current_keyring()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"data_keys": ""}, "TSUNAGU_DATA_KEYS is empty"),
        ({"blind_index_key": ""}, "TSUNAGU_BLIND_INDEX_KEY is empty"),
        ({"blind_index_key": "AQID"}, "TSUNAGU_BLIND_INDEX_KEY: the key must be 32 bytes"),
        ({"blind_index_key": TEST_DATA_KEYS.split(":")[1]}, "must differ"),
    ],
)
def test_init_crypto_refuses_unusable_settings(
    settings: Settings, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        init_crypto(Flask(__name__), replace(settings, **changes))


@pytest.fixture
def cli_app(scratch_table: Engine, database_url: str) -> Iterator[Flask]:
    app = Flask(__name__)
    init_db(app, database_url)
    app.cli.add_command(build_keys_group(ScratchBase.metadata))
    yield app
    get_engine(app).dispose()


def test_keys_rotate_command_reencrypts_and_says_what_to_remove(cli_app: Flask) -> None:
    with Session(get_engine(cli_app)) as session:
        add_people(session, NAME, "佐藤 一郎")
    use_keys(f"{NEW_KEY},{TEST_DATA_KEYS}")

    result = cli_app.test_cli_runner().invoke(args=["keys", "rotate"])
    use_keys(NEW_KEY)

    assert result.exit_code == 0, result.output
    assert "crypto_test_person.name: 2 re-encrypted" in result.output
    assert "remove test1 from TSUNAGU_DATA_KEYS" in result.output
    with Session(get_engine(cli_app)) as session:
        assert read_names(session) == [NAME, "佐藤 一郎"]


def test_keys_rotate_command_changes_nothing_when_a_value_is_unreadable(cli_app: Flask) -> None:
    with Session(get_engine(cli_app)) as session:
        add_people(session, NAME)
    use_keys(NEW_KEY)

    result = cli_app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code != 0
    assert "nothing changed" in result.output and "no key with id 'test1'" in result.output


def test_keys_generate_prints_a_usable_entry(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()

    named = runner.invoke(args=["keys", "generate", "k2027"])
    dated = runner.invoke(args=["keys", "generate"])
    bad = runner.invoke(args=["keys", "generate", "bad.id"])

    assert named.exit_code == 0 and dated.exit_code == 0, named.output
    assert KeyRing.parse(named.output.strip()).active_id == "k2027"
    assert KeyRing.parse(dated.output.strip()).active_id.startswith("k20")
    assert named.output != runner.invoke(args=["keys", "generate", "k2027"]).output
    assert bad.exit_code != 0


def test_keys_commands_have_help(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()

    group = runner.invoke(args=["keys", "--help"])
    rotate = runner.invoke(args=["keys", "rotate", "--help"])

    assert "put its output FIRST in TSUNAGU_DATA_KEYS" in group.output
    assert "Only after rotate has finished" in group.output
    assert "Usage:" in rotate.output
