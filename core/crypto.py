"""Field-level encryption of personal data, keyed blind indexes, and key rotation.

Every personal field is stored as ``v2.<key id>.<base64url(nonce + ciphertext)>``: AES-256-GCM
under a key from the key ring, with a fresh random 96-bit nonce per value, so the database (and
every backup of it) never holds the plaintext. The associated data authenticates the header,
the column's identity (``context``, such as ``"referral.person_name"``, the table and column)
and the primary key of the row the value belongs to. A value copied into another column, into
the same column of another row (one staff member's second-factor secret into a colleague's
account, one case's summary into another case), or relabelled with another key id, fails to
decrypt instead of showing up where it does not belong.

The row is known on both sides without the caller's help. Reading: the column's SQL expression
selects ``<primary key>:<stored value>`` (``column_expression``), so every query that selects the
column, ORM or Core, hands the row to ``decrypt``. Writing: a value must arrive as ``RowBound``
(the plaintext and its row's key); ``core.row_binding`` wraps every value the ORM flushes and
gives new rows their primary key before the INSERT. A bare string is refused.

Values written before rows were bound (``v1``, bound to the column only) are re-encrypted by
migration 0017 and ``keys rotate`` (``core.rotation``); ``decrypt`` no longer accepts them.

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
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from sqlalchemy import Text, cast, literal_column
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import type_coerce
from sqlalchemy.types import TypeDecorator

from core.config import ConfigError, Settings
from core.row_binding import RowBound, install_row_binding

VERSION = "v2"
# Values bound to their column only, written before rows were bound (migration 0017).
LEGACY_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
# Key ids appear in stored values, split on "."; they must not contain ".", ":" or ",".
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
PURPOSE_PATTERN = re.compile(r"[a-z0-9_.-]{1,64}")
# "table.column": no "#" or ":", which separate the row in the associated data and the query.
CONTEXT_PATTERN = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")


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
    # Whatever the ORM flushes into an encrypted column is bound to its row from now on.
    install_row_binding()


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


def keys_configured() -> bool:
    """Whether this process holds the data keys (the back office does; the public site never)."""
    return _configured is not None


def current_keyring() -> KeyRing:
    return _keys().keyring


def encrypt(plaintext: str, context: str, row_id: int | str) -> str:
    """Encrypt under the active key, bound to ``context`` (the column) and ``row_id`` (the row)."""
    keys = _keys()
    key_id = keys.keyring.active_id
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = keys.ciphers[key_id].encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(VERSION, key_id, context, row_id)
    )
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{VERSION}.{key_id}.{body}"


def decrypt(stored: str, context: str, row_id: int | str) -> str:
    """Decrypt a stored value of this column and row, or raise ``DecryptionError`` saying why."""
    if stored.startswith(f"{LEGACY_VERSION}."):
        raise DecryptionError(
            f"{context}: a value written before rows were bound; run `flask --app wsgi "
            "tsunagu init` (migration 0017) or `keys rotate` to bind it to its row"
        )
    return _open(stored, VERSION, context, row_id)


def decrypt_legacy(stored: str, context: str) -> str:
    """Decrypt a value bound to its column only (``v1``); for re-encrypting it, nothing else."""
    return _open(stored, LEGACY_VERSION, context, None)


def _open(stored: str, version: str, context: str, row_id: int | str | None) -> str:
    keys = _keys()
    found, _, rest = stored.partition(".")
    key_id, _, body = rest.partition(".")
    if found != version or not body:
        raise DecryptionError(f"{context}: not a value written by core.crypto")
    cipher = keys.ciphers.get(key_id)
    if cipher is None:
        raise DecryptionError(f"{context}: no key with id {key_id!r} in TSUNAGU_DATA_KEYS")
    try:
        raw = base64.b64decode(_pad(body), altchars=b"-_", validate=True)
        if len(raw) <= NONCE_BYTES:
            raise ValueError("too short")
        opened = cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(version, key_id, context, row_id)
        )
        return opened.decode("utf-8")
    except (InvalidTag, ValueError) as exc:  # binascii.Error and UnicodeError are ValueErrors
        raise DecryptionError(
            f"{context}: the value was altered or belongs to another column or row"
        ) from exc


def stored_key_id(stored: str) -> str:
    """The id of the key a stored value was written with (its header, not authenticated here)."""
    return stored.split(".", 2)[1] if stored.count(".") >= 2 else ""


def _associated_data(version: str, key_id: str, context: str, row_id: int | str | None) -> bytes:
    # Key ids hold no "." and contexts no "#", so this reads back one way only.
    if row_id is None:  # the legacy form, bound to the column alone
        return f"{version}.{key_id}.{context}".encode()
    return f"{version}.{key_id}.{context}#{row_id}".encode()


class _RowCiphertext(TypeDecorator[Any]):
    """The type of ``<primary key>:<stored value>`` as selected: decrypts it on the way out."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str, as_json: bool) -> None:
        super().__init__()
        self.context, self.as_json = context, as_json

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        row_id, separator, stored = value.partition(":")
        if not separator:
            raise DecryptionError(f"{self.context}: read without the key of its row")
        text = decrypt(stored, self.context, row_id)
        return json.loads(text) if self.as_json else text


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted: ``mapped_column(EncryptedString("referral.person_name"))``.

    ``context`` ("table.column") names the column for good; keep it when renaming the column,
    or the stored values will no longer decrypt. The table needs a one-column primary key, which
    every query selecting the column reads with it. Comparing the column with a value is
    refused, since a fresh nonce makes every ciphertext different: compare a ``blind_index``
    column instead.
    """

    impl = Text
    cache_ok = True
    as_json = False
    binds_to_row = True  # read by core.row_binding

    class Comparator(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            _refuse_comparison(op, other)
            return super().operate(op, *other, **kwargs)

        def reverse_operate(self, op: Any, other: Any, **kwargs: Any) -> Any:
            _refuse_comparison(op, (other,))
            return super().reverse_operate(op, other, **kwargs)

    comparator_factory = Comparator

    def __init__(self, context: str) -> None:
        if not CONTEXT_PATTERN.fullmatch(context or ""):
            raise ValueError("EncryptedString needs a context such as 'referral.person_name'")
        super().__init__()
        self.context = context

    def __repr__(self) -> str:
        # Alembic autogenerate writes this into migrations; the default would drop the context.
        return f"{type(self).__name__}({self.context!r})"

    def column_expression(self, column: Any) -> Any:
        """Select ``<primary key>:<value>``, so the value is read with the row it is bound to."""
        keys = list(column.table.primary_key)
        if len(keys) != 1:
            raise TypeError(f"{self.context}: an encrypted column needs a one-column primary key")
        stored = type_coerce(column, Text())  # as stored, without this type's comparator
        row_and_value = cast(keys[0], Text()).concat(literal_column("':'")).concat(stored)
        return type_coerce(row_and_value, _RowCiphertext(self.context, self.as_json))

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, RowBound):
            raise TypeError(
                f"{self.context}: a value must be bound to its row: write it through the ORM "
                "(core.row_binding), or pass RowBound(value, primary_key)"
            )
        return encrypt(self.to_text(value.value), self.context, value.row_id)

    def to_text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"{self.context} takes text, not {type(value).__name__}")
        return value

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        # Only reached when the column was read without its expression (RETURNING, for one):
        # without the row's key there is nothing to check the value against.
        if value is None:
            return None
        raise DecryptionError(f"{self.context}: read without the key of its row")


class EncryptedJSON(EncryptedString):
    """A list or mapping stored encrypted as JSON text: free-text names typed by staff."""

    cache_ok = True
    as_json = True

    def to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)


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
