"""A NUL character in any input is refused plainly, before it reaches the database.

PostgreSQL refuses NUL in text, so a NUL that reached a query ended in an error page (the
sign-in form, the case list's search, the audit filters, the public HSDS API). Both apps now
answer 400 first; SQLite runs this too, so both databases are held to the same answer.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from tests.staff import csrf_token, make_staff, signed_in_client


def test_public_pages_and_api_refuse_a_nul(client: FlaskClient) -> None:
    for url in (
        "/directory?q=%00",
        "/directory?q=%E3%81%86%00",
        "/c/abc%00def",
        "/en/directory?topic=%00",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "119" in response.get_data(as_text=True), url  # the help is still there
    for url in ("/api/hsds/organizations?search=%00", "/api/hsds/services?search=a%00b"):
        response = client.get(url)
        assert (response.status_code, response.json["status"]) == (400, 400), url


def test_sign_in_refuses_a_nul_without_counting_or_erroring(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    token = csrf_token(client, "/login")
    events = session.scalar(select(func.count()).select_from(AuditEvent))

    response = client.post(
        "/login", data={"login": staff.login + "\x00", "password": "x", "csrf_token": token}
    )

    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_staff_searches_and_filters_refuse_a_nul(backoffice_app: Flask) -> None:
    coordinator = signed_in_client(backoffice_app, "coordinator")
    auditor = signed_in_client(backoffice_app, "auditor")

    assert coordinator.get("/referrals/?q=%00").status_code == 400
    assert auditor.get("/audit/?actor=%00").status_code == 400
    assert auditor.get("/audit/export.csv?actor=%00").status_code == 400
    assert coordinator.get("/referrals/?q=ok").status_code == 200
