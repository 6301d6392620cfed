"""Field-level encryption of personal data, keyed blind indexes, and key rotation.

Every personal field is stored as ``v1.<key id>.<base64url(nonce + ciphertext)>``: AES-256-GCM
under a key from the key ring, with a fresh random 96-bit nonce per value, so the database (and
every backup of it) never holds the plaintext. The column's identity (``context``, such as
``"referral.person_name"``) and the header are authenticated as associated data, so a value
copied into another column, or relabelled with another key id, fails to decrypt instead of
showing up where it does not belong.

Because the same plaintext encrypts differently each time, encrypted columns cannot be searched;
``blind_index`` gives a keyed hash to store beside a value that must be matched exactly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from sqlalchemy import MetaData, Table, Text, and_, bindparam, not_, select, tuple_, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import type_coerce
from sqlalchemy.types import TypeDecorator

from core.config import ConfigError, Settings
from core.db import Base

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
# Key ids appear in stored values, split on "."; they must not contain ".", ":" or ",".
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
PURPOSE_PATTERN = re.compile(r"[a-z0-9_.-]{1,64}")
ROTATION_BATCH = 500


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key id, wrong column, or tampered data."""


@dataclass(frozen=True)
class KeyRing:
    """Data keys by id; the active key encrypts new values, the others only decrypt old ones."""

    active_id: str
    # Kept out of the repr so a key never lands in a log line or a traceback.
    keys: Mapping[str, bytes] = field(repr=False)

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Read ``"id:base64urlkey,id:base64urlkey"``, the first entry being the active key."""
        if not text.strip():
            raise ConfigError("TSUNAGU_DATA_KEYS is empty: give at least one id:base64key entry")
        keys: dict[str, bytes] = {}
        for number, entry in enumerate(text.split(","), start=1):
            key_id, key = _parse_entry(entry.strip(), number)
            # Case-insensitive, as SQLite's LIKE is when rotation looks for a key id's prefix.
            if key_id.casefold() in (known.casefold() for known in keys):
                raise ConfigError(
                    f"TSUNAGU_DATA_KEYS: entry {number} repeats the key id {key_id!r}"
                )
            keys[key_id] = key
        return cls(active_id=next(iter(keys)), keys=MappingProxyType(keys))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.keys)

    def key(self, key_id: str) -> bytes:
        """The key with this id; ``KeyError`` if the ring does not hold it."""
        return self.keys[key_id]


def _parse_entry(entry: str, number: int) -> tuple[str, bytes]:
    where = f"TSUNAGU_DATA_KEYS: entry {number}"
    if not entry:
        raise ConfigError(f"{where} is empty (look for a stray comma)")
    key_id, separator, encoded = entry.partition(":")
    key_id = key_id.strip()
    if not separator:
        raise ConfigError(f"{where} must look like id:base64key")
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise ConfigError(f"{where}: the key id must be 1-32 letters, digits, '-' or '_'")
    try:
        key = decode_key(encoded.strip())
    except ValueError as exc:
        raise ConfigError(f"{where} (id {key_id!r}): {exc}") from exc
    return key_id, key


def decode_key(encoded: str) -> bytes:
    """Decode a url-safe base64 key (padding optional) that must be exactly 32 bytes."""
    try:
        raw = base64.b64decode(_pad(encoded), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the key is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError(f"the key must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def new_key_entry(key_id: str) -> str:
    """A fresh random ``id:base64key`` entry for TSUNAGU_DATA_KEYS."""
    if not KEY_ID_PATTERN.fullmatch(key_id):
        raise ValueError("the key id must be 1-32 letters, digits, '-' or '_'")
    key = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    return f"{key_id}:{key}"


def _pad(text: str) -> str:
    stripped = text.rstrip("=")
    return stripped + "=" * (-len(stripped) % 4)


@dataclass(frozen=True)
class _Keys:
    keyring: KeyRing = field(repr=False)
    index_key: bytes = field(repr=False)
    ciphers: Mapping[str, AESGCM] = field(repr=False)


_configured: _Keys | None = None


def configure_keyring(keyring: KeyRing, index_key: bytes) -> None:
    """Make the keys available to every encrypted column and blind index in this process."""
    # Module-wide, because a column type has no way to reach the Flask app that is running.
    global _configured
    if len(index_key) != KEY_BYTES:
        raise ConfigError(f"the blind index key must be {KEY_BYTES} bytes, not {len(index_key)}")
    ciphers = {key_id: AESGCM(key) for key_id, key in keyring.keys.items()}
    _configured = _Keys(keyring, index_key, MappingProxyType(ciphers))


def init_crypto(app: Flask, settings: Settings) -> None:
    """Configure field encryption from the settings; called by each app factory."""
    keyring = KeyRing.parse(settings.data_keys)
    if not settings.blind_index_key:
        raise ConfigError("TSUNAGU_BLIND_INDEX_KEY is empty: give a base64 32-byte key")
    try:
        index_key = decode_key(settings.blind_index_key)
    except ValueError as exc:
        raise ConfigError(f"TSUNAGU_BLIND_INDEX_KEY: {exc}") from exc
    # One key doing two jobs would tie the blind indexes to the fate of a data key.
    if index_key in keyring.keys.values():
        raise ConfigError("TSUNAGU_BLIND_INDEX_KEY must differ from every TSUNAGU_DATA_KEYS key")
    configure_keyring(keyring, index_key)
    app.extensions["tsunagu.keyring"] = keyring


def _keys() -> _Keys:
    if _configured is None:
        raise RuntimeError(
            "field encryption is not configured: the app factory must call "
            "core.crypto.init_crypto(app, settings)"
        )
    return _configured


def current_keyring() -> KeyRing:
    return _keys().keyring


def encrypt(plaintext: str, context: str) -> str:
    """Encrypt under the active key, bound to ``context`` (the column's identity)."""
    keys = _keys()
    key_id = keys.keyring.active_id
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = keys.ciphers[key_id].encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(key_id, context)
    )
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{VERSION}.{key_id}.{body}"


def decrypt(stored: str, context: str) -> str:
    """Decrypt a stored value, or raise ``DecryptionError`` saying why (never with the data)."""
    keys = _keys()
    version, _, rest = stored.partition(".")
    key_id, _, body = rest.partition(".")
    if version != VERSION or not body:
        raise DecryptionError(f"{context}: not a value written by core.crypto")
    cipher = keys.ciphers.get(key_id)
    if cipher is None:
        raise DecryptionError(f"{context}: no key with id {key_id!r} in TSUNAGU_DATA_KEYS")
    try:
        raw = base64.b64decode(_pad(body), altchars=b"-_", validate=True)
        if len(raw) <= NONCE_BYTES:
            raise ValueError("too short")
        opened = cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(key_id, context)
        )
        return opened.decode("utf-8")
    except (InvalidTag, ValueError) as exc:  # binascii.Error and UnicodeError are ValueErrors
        raise DecryptionError(
            f"{context}: the value was altered or belongs to another column"
        ) from exc


def _associated_data(key_id: str, context: str) -> bytes:
    # Key ids hold no ".", so this reads back one way only.
    return f"{VERSION}.{key_id}.{context}".encode()


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted: ``mapped_column(EncryptedString("referral.person_name"))``.

    ``context`` names the column for good; keep it when renaming the column, or the stored
    values will no longer decrypt. Comparing the column with a value is refused, since a fresh
    nonce makes every ciphertext different: compare a ``blind_index`` column instead.
    """

    impl = Text
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            _refuse_comparison(op, other)
            return super().operate(op, *other, **kwargs)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            _refuse_comparison(op, (other,))
            return super().reverse_operate(op, other, **kwargs)

    comparator_factory = Comparator

    def __init__(self, context: str) -> None:
        if not context:
            raise ValueError("EncryptedString needs a context such as 'referral.person_name'")
        super().__init__()
        self.context = context

    def __repr__(self) -> str:
        # Alembic autogenerate writes this into migrations; the default would drop the context.
        return f"{type(self).__name__}({self.context!r})"

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"{self.context} takes text, not {type(value).__name__}")
        return encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else decrypt(value, self.context)


class EncryptedJSON(EncryptedString):
    """A list or mapping stored encrypted as JSON text: free-text names typed by staff."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:  # type: ignore[override]
        if value is None:
            return None
        return super().process_bind_param(json.dumps(value, ensure_ascii=False), dialect)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        text = super().process_result_value(value, dialect)
        return None if text is None else json.loads(text)


def _refuse_comparison(op: Any, other: tuple[Any, ...]) -> None:
    if op in (operators.is_, operators.is_not):
        return
    if op in (operators.eq, operators.ne) and other == (None,):
        return
    if operators.is_comparison(op):
        raise TypeError(
            "an encrypted column cannot be compared with a value: compare its blind index"
        )


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash (hex) of ``value`` for exact-match lookups on an encrypted field.

    Stored beside the encrypted value, it answers "does this phone number match an existing
    referral?" without decrypting every row. HMAC with a secret key, not a plain hash: phone
    numbers and names are too few to resist a dictionary attack on a bare SHA-256. The purpose
    separates domains, so equal strings in different fields give unrelated indexes. It does
    reveal which rows share a value, which is what an exact-match lookup needs.
    """
    if not PURPOSE_PATTERN.fullmatch(purpose):
        raise ValueError("a blind index purpose is 1-64 lowercase letters, digits, '_', '.', '-'")
    normalised = normalise_for_index(value, purpose)
    if not normalised:
        # Every blank value would match every other: store no index (None) instead.
        raise ValueError(f"nothing to index in this {purpose} value")
    message = purpose.encode("ascii") + b"\x00" + normalised.encode("utf-8")
    return hmac.new(_keys().index_key, message, hashlib.sha256).hexdigest()


def normalise_for_index(value: str, purpose: str) -> str:
    """Fold the ways people write the same thing (full-width digits, case, spacing) into one."""
    text = unicodedata.normalize("NFKC", value)
    if purpose == "phone":
        return re.sub(r"[^0-9]", "", text)
    return " ".join(text.split()).casefold()


def encrypted_columns(metadata: MetaData) -> list[tuple[Table, str]]:
    """Every (table, column name) whose type is ``EncryptedString``, in a stable order."""
    return [
        (table, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


def rotate_encrypted_values(
    session: Session, metadata: MetaData | None = None, *, batch_size: int = ROTATION_BATCH
) -> dict[str, int]:
    """Re-encrypt under the active key every value still under another; counts per column.

    Works on the tables directly (Core ``select``/``update``), in primary-key order and in
    batches, so no ORM object is loaded and memory stays flat however large a table is.
    """
    # Resolved at call time: Base.metadata holds only the models imported by then.
    metadata = Base.metadata if metadata is None else metadata
    return {
        f"{table.name}.{name}": _rotate_column(session, table, name, batch_size)
        for table, name in encrypted_columns(metadata)
    }


def _rotate_column(session: Session, table: Table, name: str, batch_size: int) -> int:
    column = table.c[name]
    context = cast(EncryptedString, column.type).context
    key_columns = list(table.primary_key.columns)
    if not key_columns:
        raise RuntimeError(f"{table.name} has no primary key, so {name} cannot be rotated")
    # Read and write the stored text as it is: the column type would decrypt or encrypt it.
    stored = type_coerce(column, Text())
    prefix = f"{VERSION}.{current_keyring().active_id}."
    key = tuple_(*key_columns) if len(key_columns) > 1 else key_columns[0]
    query = (
        select(*key_columns, stored)
        .where(stored.is_not(None), not_(stored.startswith(prefix, autoescape=True)))
        .order_by(*key_columns)
        .limit(batch_size)
    )
    write = (
        update(table)
        .where(and_(*(c == bindparam(f"pk_{i}") for i, c in enumerate(key_columns))))
        .values({name: bindparam("new_value", type_=Text())})
    )
    count = 0
    last: tuple[Any, ...] | None = None
    while True:
        page = query if last is None else query.where(key > _key_value(last))
        rows = session.execute(page).all()
        changes = [_change(row, context) for row in rows]
        if changes:
            session.execute(write, changes)
            count += len(changes)
        if len(rows) < batch_size:
            return count
        last = tuple(rows[-1][:-1])


def _key_value(last: tuple[Any, ...]) -> Any:
    return tuple_(*last) if len(last) > 1 else last[0]


def _change(row: Any, context: str) -> dict[str, Any]:
    *key, stored = row
    change = {f"pk_{i}": value for i, value in enumerate(key)}
    change["new_value"] = encrypt(decrypt(stored, context), context)
    return change
