"""Visitors to the sign-in page store nothing: no session row before a sign-in step succeeds."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.staff.models import StaffSession
from core.db import get_engine
from tests.staff import csrf_token, make_staff, post_form, sign_in


def session_rows(app: Flask) -> int:
    with Session(get_engine(app)) as session:
        return session.scalar(select(func.count()).select_from(StaffSession)) or 0


def test_opening_the_sign_in_page_stores_no_session(backoffice_app: Flask) -> None:
    for _ in range(200):
        assert backoffice_app.test_client().get("/login").status_code == 200

    assert session_rows(backoffice_app) == 0


def test_a_failed_sign_in_stores_no_session_either(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "analyst")

    response = post_form(
        backoffice_app.test_client(), "/login", {"login": staff.login, "password": "wrong!!!!!"}
    )

    assert response.status_code == 401
    assert session_rows(backoffice_app) == 0


def test_sign_in_still_works_and_stores_one_row_per_step(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "analyst")
    client = backoffice_app.test_client()

    assert sign_in(client, staff).status_code == 302

    assert client.get("/").status_code == 200
    assert session_rows(backoffice_app) == 2  # the password step, then the signed-in session


def test_the_form_needs_the_token_that_belongs_to_its_own_cookie(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "analyst")
    mine, theirs = backoffice_app.test_client(), backoffice_app.test_client()
    their_token = csrf_token(theirs, "/login")
    mine.get("/login")
    data = {"login": staff.login, "password": staff.password}

    without = mine.post("/login", data=data)
    borrowed = mine.post("/login", data={**data, "csrf_token": their_token})

    assert without.status_code == borrowed.status_code == 400
    assert session_rows(backoffice_app) == 0


def test_an_altered_anonymous_cookie_is_refused(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "analyst")
    client = backoffice_app.test_client()
    token = csrf_token(client, "/login")
    signed = client.get_cookie("tsunagu_staff_anon").value  # type: ignore[union-attr]
    client.set_cookie("tsunagu_staff_anon", signed[:-2] + ("AA" if signed[-2:] != "AA" else "BB"))

    response = client.post(
        "/login", data={"login": staff.login, "password": staff.password, "csrf_token": token}
    )

    assert response.status_code == 400


def test_the_anonymous_cookie_is_signed_and_holds_only_the_csrf_secret(
    backoffice_app: Flask,
) -> None:
    from itsdangerous import URLSafeTimedSerializer

    from backoffice.web.sessions import ANONYMOUS_SALT

    client = backoffice_app.test_client()
    client.get("/login")
    cookie = client.get_cookie("tsunagu_staff_anon")

    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    serializer = URLSafeTimedSerializer(backoffice_app.secret_key or "", salt=ANONYMOUS_SALT)
    assert set(serializer.loads(cookie.value)) == {"csrf_token"}


def test_the_form_secret_of_a_visitor_is_not_valid_after_sign_in(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    before = csrf_token(client, "/login")

    sign_in(client, staff)
    planted = client.post("/account/sessions/end-others", data={"csrf_token": before})
    fresh = client.post(
        "/account/sessions/end-others", data={"csrf_token": csrf_token(client, "/account/")}
    )

    assert planted.status_code == 400
    assert fresh.status_code == 302
