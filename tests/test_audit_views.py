"""The audit viewer and its CSV export; security events land in the audit trail."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy.orm import Session

from core import audit
from core.db import get_engine
from tests.staff import make_staff, post_form, sign_in, signed_in_client


def test_security_events_are_recorded_without_personal_data(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    post_form(client, "/login", {"login": staff.login, "password": "wrong password!!"})
    sign_in(client, staff)
    auditor = signed_in_client(backoffice_app, "auditor")

    page = auditor.get("/audit/").get_data(as_text=True)

    for action in ("staff.create", "auth.login.failure", "auth.login.success"):
        assert action in page
    assert "wrong password!!" not in page
    with Session(get_engine(backoffice_app)) as session:
        assert audit.verify_chain(session).ok


def test_filters_narrow_the_list(backoffice_app: Flask) -> None:
    auditor = signed_in_client(backoffice_app, "auditor")
    make_staff(backoffice_app, "editor", login="filtered")

    html = auditor.get("/audit/?action=staff.create&actor=filtered").get_data(as_text=True)
    bad = auditor.get("/audit/?since=yesterday")

    assert "staff.create" in html and "auth.login.success" not in html
    assert bad.status_code == 400
    assert "2026-04-01 のように" in bad.get_data(as_text=True)


def test_csv_export_is_excel_friendly_formula_safe_and_audited(backoffice_app: Flask) -> None:
    with Session(get_engine(backoffice_app)) as session, session.begin():
        audit.record(session, action="test.formula", reason='=HYPERLINK("http://x")')
    auditor = signed_in_client(backoffice_app, "auditor")

    response = auditor.get("/audit/export.csv")

    body = response.get_data()
    assert response.mimetype == "text/csv"
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    reasons = [row[8] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in reasons
    assert "audit.export" in auditor.get("/audit/?action=audit.export").get_data(as_text=True)


def test_only_auditors_and_admins_read_the_trail(backoffice_app: Flask) -> None:
    assert signed_in_client(backoffice_app, "coordinator").get("/audit/").status_code == 403
    assert signed_in_client(backoffice_app, "admin").get("/audit/").status_code == 200
