"""How audit events are hashed, and the key that signs them.

New events are signed with HMAC-SHA256 under ``TSUNAGU_AUDIT_KEY``, a key that lives in the
environment like the data keys and never in the database: whoever can write the audit table
cannot write an event that verifies. Events written before the key existed were hashed with plain
SHA-256; they still verify, but only as the unbroken beginning of the trail (decision 0005).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from typing import Any

from flask import Flask

from core.config import ConfigError, Settings
from core.crypto import KeyRing, decode_key

GENESIS_HASH = "0" * 64
SCHEME_SHA256 = "sha256"  # before TSUNAGU_AUDIT_KEY: anyone could recompute these
SCHEME_HMAC = "hmac-sha256"
SCHEMES = (SCHEME_SHA256, SCHEME_HMAC)
# The fields covered by the hash, in addition to prev_hash. The id is not among them: the
# database assigns it, and the links and positions fix each event's place in the chain.
HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_login",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "client_network",
    "reason",
)
# A signed event also covers its position and scheme, so neither can be changed unnoticed.
SIGNED_FIELDS = (*HASHED_FIELDS, "position", "scheme")

_audit_key: bytes | None = None


class AuditKeyError(RuntimeError):
    """The audit key is missing, or the stored chain does not verify under it."""


def init_audit(app: Flask, settings: Settings) -> None:
    """Take the audit key from the settings; the back-office factory calls this."""
    if not settings.audit_key:
        raise ConfigError("TSUNAGU_AUDIT_KEY is empty: give a base64 32-byte key")
    try:
        key = decode_key(settings.audit_key)
    except ValueError as exc:
        raise ConfigError(f"TSUNAGU_AUDIT_KEY: {exc}") from exc
    # One key doing two jobs would tie the audit trail to the fate of a data or index key.
    others = set(KeyRing.parse(settings.data_keys).keys.values()) if settings.data_keys else set()
    if settings.blind_index_key:
        others.add(decode_key(settings.blind_index_key))
    if key in others:
        raise ConfigError(
            "TSUNAGU_AUDIT_KEY must differ from TSUNAGU_DATA_KEYS and TSUNAGU_BLIND_INDEX_KEY"
        )
    configure_audit_key(key)
    app.extensions["tsunagu.audit_key"] = True


def configure_audit_key(key: bytes | None) -> None:
    """Set (or, with None, forget) the key for this process.

    Module-wide, like the field-encryption keys: services record events with only a session.
    """
    global _audit_key
    if key is not None and len(key) != 32:
        raise ConfigError(f"the audit key must be 32 bytes, not {len(key)}")
    _audit_key = key


def audit_key() -> bytes:
    if _audit_key is None:
        raise AuditKeyError(
            "the audit key is not configured: the app factory must call "
            "core.audit_chain.init_audit(app, settings) (TSUNAGU_AUDIT_KEY)"
        )
    return _audit_key


def canonical(event: Any, fields: tuple[str, ...] = HASHED_FIELDS) -> str:
    """The hashed fields of an event (an ``AuditEvent`` or a row) as stable JSON.

    Sorted keys, no whitespace, explicit nulls and UTC timestamps with microseconds, so the same
    event serialises to the same text on every backend and Python version.
    """
    values = {name: getattr(event, name) for name in fields}
    values["occurred_at"] = values["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, event: Any) -> str:
    """The unkeyed SHA-256 of the events written before the audit key (scheme ``sha256``)."""
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def signed_hash(key: bytes, prev_hash: str, event: Any) -> str:
    """HMAC-SHA256 over the link and the event, position and scheme included."""
    message = (prev_hash + canonical(event, SIGNED_FIELDS)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hash_matches(event: Any, key: bytes | None) -> bool:
    """Whether the stored hash is the one its scheme gives (a signed one needs the key)."""
    if event.scheme == SCHEME_HMAC:
        if key is None:
            return False
        expected = signed_hash(key, event.prev_hash, event)
    elif event.scheme == SCHEME_SHA256:
        expected = chain_hash(event.prev_hash, event)
    else:
        return False
    return hmac.compare_digest(expected, event.hash or "")
