"""A session interface that never sets a cookie: the public site remembers nobody."""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface


class CookielessSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> NullSession:
        return NullSession()

    def save_session(self, app: Flask, session: object, response: Response) -> None:
        return None

    def is_null_session(self, obj: object) -> bool:
        return True
