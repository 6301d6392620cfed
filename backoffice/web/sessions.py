"""Server-side sessions: the cookie carries a random token, the database the rest.

Only the token's SHA-256 is stored, so reading the table does not let anyone take over a
session. Sessions end when idle, at an absolute limit, at sign-out, and when a password or
second factor changes. Every write is conditional on the session still being live, so a request
racing a sign-out cannot bring the session back.

A row is written only when a sign-in step succeeds. Before that, the visitor's session holds
nothing but the CSRF secret of the sign-in form, and that travels in a second cookie, signed
with the back office's secret key (``itsdangerous``, as Flask's own cookie sessions do) and
dropped at the first sign-in step. So opening the sign-in page stores nothing, and anyone can
load it any number of times without filling the table; a forged or altered cookie fails the
signature and the form is refused as without a token. The secret is no more exposed than in a
row: the cookie is HttpOnly, SameSite=Strict and, in production, ``__Host-`` and Secure.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import CallbackDict

from backoffice.staff.models import StaffSession
from core.audit import truncate_address
from core.config import Settings
from core.db import utcnow

STAGES = ("anonymous", "password", "active")
CSRF_KEY = "csrf_token"  # Flask-WTF's name for the form secret, in the session and in g
ANONYMOUS_KEYS = (CSRF_KEY,)  # all a visitor's session may hold, in the signed cookie
ANONYMOUS_SALT = "tsunagu.backoffice.anonymous-session"


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_live(row: StaffSession, settings: Settings, now: datetime) -> bool:
    if row.revoked_at is not None:
        return False
    if now - row.last_seen_at > timedelta(minutes=settings.session_idle_minutes):
        return False
    return now - row.created_at <= timedelta(hours=settings.session_absolute_hours)


def end_sessions(session: Session, user_id: int, *, reason: str, keep: str | None = None) -> int:
    """End a user's live sessions (all but ``keep``); returns how many were ended."""
    statement = (
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if keep is not None:
        statement = statement.where(StaffSession.id != keep)
    return session.execute(statement).rowcount  # type: ignore[attr-defined]


def end_session(session: Session, session_id: str, *, reason: str) -> bool:
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.id == session_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def live_sessions(session: Session, user_id: int, settings: Settings) -> Sequence[StaffSession]:
    now = utcnow()
    rows = session.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .order_by(StaffSession.last_seen_at.desc())
    ).all()
    return [row for row in rows if is_live(row, settings, now)]


def purge_expired(session: Session, settings: Settings) -> int:
    """Delete sessions that can no longer be used (kept briefly for the account page)."""
    cutoff = utcnow() - timedelta(hours=settings.session_absolute_hours) - timedelta(days=1)
    rows = session.scalars(select(StaffSession).where(StaffSession.last_seen_at < cutoff)).all()
    for row in rows:
        session.delete(row)
    return len(rows)


class ServerSession(CallbackDict, SessionMixin):  # type: ignore[type-arg]
    """What views see as ``flask.session``; ``begin`` changes stage and asks for a new id."""

    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        row_id: str | None = None,
        stage: str = "anonymous",
        user_id: int | None = None,
    ) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.row_id = row_id
        self.stage = stage
        self.user_id = user_id
        self.modified = False
        self.regenerate = False
        self.ended = False
        self.stale_token = False

    def begin(self, stage: str, user_id: int | None) -> None:
        """Move to a new stage of sign-in under a fresh id (no session fixation).

        The form secret (CSRF) is renewed too: one learnt or planted before a step must not
        stay valid after it. A page rendered from here on gets the new one.
        """
        if stage not in STAGES:
            raise ValueError(stage)
        self.stage, self.user_id, self.regenerate = stage, user_id, True
        self.pop(CSRF_KEY, None)
        g.pop(CSRF_KEY, None)  # Flask-WTF keeps the request's token there too

    def end(self) -> None:
        self.ended = True


class ServerSessionInterface(SessionInterface):
    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app), "")
        if token and len(token) <= 100:
            with self.factory() as db:
                row = db.get(StaffSession, token_id(token))
                if row is not None and is_live(row, self.settings, utcnow()):
                    return ServerSession(
                        dict(row.data), row_id=row.id, stage=row.stage, user_id=row.user_id
                    )
        session = ServerSession(self._anonymous_data(app, request))
        session.stale_token = bool(token)  # a cookie of an ended session: remove it
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
            raise TypeError("the back office uses server-side sessions only")
        cookie = self.get_cookie_name(app)
        if session.row_id is None and not session.regenerate:
            if session.stale_token:
                self._forget(app, response, cookie)
            if session.ended:
                self._forget(app, response, self.anonymous_cookie_name(app))
            elif session.modified:
                self._save_anonymous(app, session, response)
            return
        with self.factory() as db, db.begin():
            if session.ended:
                if session.row_id:
                    end_session(db, session.row_id, reason="signed out")
                self._forget(app, response, cookie)
                return
            if session.regenerate:
                self._issue(app, db, session, response)
                self._forget(app, response, self.anonymous_cookie_name(app))
                return
            values: dict[str, Any] = {"last_seen_at": utcnow()}
            if session.modified:
                values["data"] = dict(session)
            live = db.execute(
                update(StaffSession)
                .where(StaffSession.id == session.row_id, StaffSession.revoked_at.is_(None))
                .values(**values)
            ).rowcount  # type: ignore[attr-defined]
            if not live:
                self._forget(app, response, cookie)

    def anonymous_cookie_name(self, app: Flask) -> str:
        return self.get_cookie_name(app) + "_anon"

    def _serializer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key or "", salt=ANONYMOUS_SALT)

    def _anonymous_data(self, app: Flask, request: Request) -> dict[str, Any]:
        signed = request.cookies.get(self.anonymous_cookie_name(app), "")
        if not signed or len(signed) > 500:
            return {}
        max_age = self.settings.session_absolute_hours * 3600
        try:
            data = self._serializer(app).loads(signed, max_age=max_age)
        except BadSignature:  # also an expired one
            return {}
        if not isinstance(data, dict):
            return {}
        return {key: data[key] for key in ANONYMOUS_KEYS if isinstance(data.get(key), str)}

    def _save_anonymous(self, app: Flask, session: ServerSession, response: Response) -> None:
        data = {key: session[key] for key in ANONYMOUS_KEYS if key in session}
        name = self.anonymous_cookie_name(app)
        if not data:
            self._forget(app, response, name)
            return
        response.set_cookie(
            name,
            self._serializer(app).dumps(data),
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite="Strict",
            path=self.get_cookie_path(app),
        )
        response.vary.add("Cookie")

    def _issue(self, app: Flask, db: Session, session: ServerSession, response: Response) -> None:
        from flask import request

        if session.row_id is not None:
            end_session(db, session.row_id, reason="renewed")
        token = secrets.token_urlsafe(32)
        now = utcnow()
        db.add(
            StaffSession(
                id=token_id(token),
                user_id=session.user_id,
                stage=session.stage,
                data=dict(session),
                created_at=now,
                last_seen_at=now,
                authenticated_at=now if session.stage == "active" else None,
                client_network=truncate_address(
                    request.remote_addr,
                    self.settings.audit_ipv4_prefix,
                    self.settings.audit_ipv6_prefix,
                )
                or "",
                user_agent=(request.user_agent.string or "")[:200],
            )
        )
        response.set_cookie(
            self.get_cookie_name(app),
            token,
            httponly=True,
            secure=self.get_cookie_secure(app),
            samesite="Strict",
            path=self.get_cookie_path(app),
        )
        response.vary.add("Cookie")

    def _forget(self, app: Flask, response: Response, cookie: str) -> None:
        response.delete_cookie(
            cookie,
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite="Strict",
        )
