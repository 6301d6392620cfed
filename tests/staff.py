"""Helpers for back-office tests: real staff accounts, signed in through the real pages."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backoffice.staff import accounts, totp
from backoffice.staff.actor import Actor
from backoffice.staff.models import StaffUser
from core.db import get_engine, utcnow

PASSWORD = "a long passphrase for tests 7"
_numbers = itertools.count(1)


@dataclass
class Staff:
    id: int
    login: str
    password: str
    secret: str | None


def make_staff(
    app: Flask,
    *roles: str,
    login: str | None = None,
    enrolled: bool = True,
    must_change_password: bool = False,
) -> Staff:
    login = login or f"staff{next(_numbers)}"
    with Session(get_engine(app)) as session, session.begin():
        user = accounts.create_staff(
            session,
            login=login,
            display_name=f"職員 {login}",
            roles=set(roles),
            password=PASSWORD,
            hasher=app.extensions["tsunagu.hasher"],
            actor=Actor(None, None),
            must_change_password=must_change_password,
        )
        secret = totp.new_secret() if enrolled else None
        if secret:
            user.totp_secret, user.totp_enrolled_at = secret, utcnow()
        session.flush()
        return Staff(user.id, login, PASSWORD, secret)


def load_user(app: Flask, user_id: int) -> StaffUser:
    with Session(get_engine(app), expire_on_commit=False) as session:
        user = session.get(StaffUser, user_id)
        assert user is not None
        _ = user.roles, user.recovery_codes, user.totp_secret, user.password_hash
        return user


def csrf_token(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, str], *, form_url: str | None = None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def sign_in(client: FlaskClient, staff: Staff, *, code: str | None = None):
    """Password, then code; returns the response to the code step."""
    response = post_form(client, "/login", {"login": staff.login, "password": staff.password})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert staff.secret is not None
    return post_form(client, "/login/code", {"code": code or current_code(staff.secret)})


def signed_in_client(app: Flask, *roles: str) -> FlaskClient:
    client = app.test_client()
    response = sign_in(client, make_staff(app, *roles))
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    return client
