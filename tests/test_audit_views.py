"""The audit viewer and its CSV export; security events land in the audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from sqlalchemy import select
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


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=99999999999999999999", "ページは 1 から 1 までの番号で指定してください。"),
        ("page=2", "ページは 1 から 1 までの番号で指定してください。"),
        ("page=0", "ページは 1 から 1 までの番号で指定してください。"),
        ("page=-1", "ページは 1 から 1 までの番号で指定してください。"),
        ("since=0001-01-01", "日付は 2000-01-01 から 2999-12-31 までの間で入力してください。"),
        ("until=9999-12-31", "日付は 2000-01-01 から 2999-12-31 までの間で入力してください。"),
    ],
)
def test_out_of_range_values_are_refused_with_a_message(
    backoffice_app: Flask, query: str, message: str
) -> None:
    auditor = signed_in_client(backoffice_app, "auditor")

    response = auditor.get(f"/audit/?{query}")

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["since=0001-01-01", "until=9999-12-31", "since=someday"])
def test_export_with_an_unusable_date_writes_and_records_nothing(
    backoffice_app: Flask, query: str
) -> None:
    auditor = signed_in_client(backoffice_app, "auditor")

    response = auditor.get(f"/audit/export.csv?{query}")

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "日付は" in response.get_data(as_text=True)
    with Session(get_engine(backoffice_app)) as session:
        exports = session.scalars(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "audit.export")
        ).all()
    assert exports == []


def test_a_date_at_the_edge_of_the_range_is_accepted(backoffice_app: Flask) -> None:
    auditor = signed_in_client(backoffice_app, "auditor")

    assert auditor.get("/audit/?since=2000-01-01&until=2999-12-31").status_code == 200
    assert auditor.get("/audit/export.csv?until=2999-12-31").status_code == 200
