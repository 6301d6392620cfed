"""Refused requests go into the audit trail, a few a minute per user.

A signed-in member of staff who is answered 403 (the gate: their roles lack the permission) or
404 on a record's address (a case out of their scope, or one that does not exist: both are
probes, and the answer is the same so as not to reveal which) leaves an ``access.denied`` event
with outcome ``denied``: the endpoint, the record's type and id from the address, never anything
about the person. One user walking ``/referrals/1..N`` must not flood the trail, so only the
first ``DENIALS_PER_MINUTE`` a minute are listed; the next one is an ``access.denied.limited``
event saying a scan is under way, later ones are counted, and the count is reported with the
user's next listed refusal. Counts live in the rate-limit storage (Redis when
``TSUNAGU_RATELIMIT_STORAGE_URI`` names it), so every worker shares them; when it cannot be
reached, every refusal is listed (with a note that none are counted) rather than none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request
from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.web.context import current_actor
from core import audit
from core.config import Settings
from core.db import get_engine

log = logging.getLogger(__name__)
DENIALS_PER_MINUTE = 10
ACTION = "access.denied"
LIMITED_ACTION = "access.denied.limited"
# Suppressed refusals are reported with the user's next listed one, if it comes within a day.
SUPPRESSED_KEEP_SECONDS = 24 * 3600
# Address parts that name a record but must not be written down: a session's id is the hash of
# its cookie's token.
UNRECORDED_ARGS = frozenset({"session_id"})
RECORD, NOTICE, SUPPRESS = "record", "notice", "suppress"
UNCOUNTED = "uncounted"  # the storage could not be reached: listed, without a limit


@dataclass(frozen=True)
class DenialLimiter:
    """How many refusals of one user are listed this minute, and how many went unlisted."""

    storage: Storage
    per_minute: int = DENIALS_PER_MINUTE

    def admit(self, user_id: int) -> str:
        """RECORD the first ``per_minute`` a minute, then one NOTICE, then SUPPRESS."""
        windows = FixedWindowRateLimiter(self.storage)
        if windows.hit(RateLimitItemPerMinute(self.per_minute), "denied", str(user_id)):
            return RECORD
        if windows.hit(RateLimitItemPerMinute(1), "denied-notice", str(user_id)):
            return NOTICE
        self.storage.incr(self._suppressed_key(user_id), SUPPRESSED_KEEP_SECONDS)
        return SUPPRESS

    def take_suppressed(self, user_id: int) -> int:
        """How many went unlisted since the last report, counting from zero again."""
        key = self._suppressed_key(user_id)
        count = self.storage.get(key)
        if count:
            self.storage.clear(key)
        return count

    @staticmethod
    def _suppressed_key(user_id: int) -> str:
        return f"tsunagu/denied-suppressed/{user_id}"


def init_denials(app: Flask, settings: Settings) -> None:
    # Every storage failure arrives as StorageError (see `_record`).
    storage = storage_from_string(settings.ratelimit_storage_uri, wrap_exceptions=True)
    app.extensions["tsunagu.denials"] = DenialLimiter(storage)
    app.after_request(audit_denial)


def audit_denial(response: Response) -> Response:
    """Record a refused request of a signed-in user; never let the record change the answer."""
    user = g.get("staff_user")
    if user is None or not _is_denial(response.status_code):
        return response
    try:
        _record(user, response.status_code)
    # A busy database or an unreachable Redis must not turn a 403 or 404 into a 500: the
    # refusal stands, and the log says the trail missed it.
    except Exception:
        log.exception("could not audit a refused request to %s", request.endpoint)
    return response


def _is_denial(status: int) -> bool:
    if status == 403:
        return True
    # A 404 from a view that found no such record; not an address that matches no route.
    return status == 404 and request.url_rule is not None and _names_a_record()


def _names_a_record() -> bool:
    return any(name.endswith("_id") for name in request.view_args or {})


def _record(user: Any, status: int) -> None:
    limiter: DenialLimiter = current_app.extensions["tsunagu.denials"]
    try:
        decision = limiter.admit(user.id)
    except StorageError:
        # The counts cannot be read: list every refusal rather than none, and say so.
        log.warning("rate-limit storage unreachable: refusals are listed without a limit")
        decision = UNCOUNTED
    if decision == SUPPRESS:
        return
    if "db_session" in g:
        # Whatever the refused request left uncommitted is discarded at teardown anyway;
        # dropping it now keeps its locks from delaying the audit write.
        g.db_session.rollback()
    object_type, object_id, others = _object()
    reason = f"{status} {request.endpoint}" + "".join(f" {part}" for part in others)
    if g.get("refused_permission"):
        reason += f" (needs {g.refused_permission})"
    action = ACTION
    if decision == NOTICE:
        action = LIMITED_ACTION
        reason = (
            f"more than {limiter.per_minute} refused requests in a minute: later ones this "
            f"minute are counted, not listed; this one: {reason}"
        )
    elif decision == UNCOUNTED:
        reason += "; refusals not counted (rate-limit storage unreachable)"
    elif suppressed := limiter.take_suppressed(user.id):
        reason += f"; {suppressed} earlier refusals counted, not listed"
    with Session(get_engine()) as db, db.begin():
        audit.record(
            db,
            action=action,
            outcome="denied",
            actor=user,
            object_type=object_type,
            object_id=object_id,
            client_network=current_actor().network,
            reason=reason,
        )


def _object() -> tuple[str | None, str | None, list[str]]:
    """The record the address names (its first ``*_id`` part), and the ids after it."""
    named = [
        (name.removesuffix("_id"), str(value)[:64])
        for name, value in (request.view_args or {}).items()
        if name.endswith("_id")
    ]
    if not named:
        return None, None, []
    (object_type, object_id), rest = named[0], named[1:]
    if f"{object_type}_id" in UNRECORDED_ARGS:
        object_id = None
    others = [f"{name}_id={value}" for name, value in rest if f"{name}_id" not in UNRECORDED_ARGS]
    return object_type, object_id, others
