"""Wire accounts into an app: the password hasher and the server-side session store."""

from __future__ import annotations

from flask import Flask

from backoffice.staff.passwords import make_hasher
from backoffice.web.sessions import ServerSessionInterface
from core.config import Settings


def init_accounts(app: Flask, settings: Settings) -> None:
    app.extensions["tsunagu.hasher"] = make_hasher(settings)
    app.session_interface = ServerSessionInterface(app.extensions["tsunagu.sessionmaker"], settings)
