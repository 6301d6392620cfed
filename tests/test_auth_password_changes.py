"""Changing a password or second factor: always with the current password, told and audited."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff.models import StaffNotice
from core.audit import AuditEvent
from core.db import get_engine
from tests.staff import (
    PASSWORD,
    Staff,
    load_user,
    make_staff,
    post_form,
    sign_in,
    signed_in_client,
)

NEW = "a brand new passphrase 31"
TOLD = "心当たりがなければ、すぐに管理者に連絡してください。"


def events(app: Flask, action: str) -> list[AuditEvent]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def next_code(staff: Staff) -> str:
    """The code of the next time step: the current one was used by the first sign-in."""
    return pyotp.TOTP(staff.secret or "").at(time.time() + 30)


def signed_in(app: Flask, *roles: str) -> tuple[FlaskClient, Staff]:
    staff = make_staff(app, *roles)
    client = app.test_client()
    sign_in(client, staff)
    return client, staff


def test_the_first_password_page_is_closed_once_the_password_is_set(
    backoffice_app: Flask,
) -> None:
    client, staff = signed_in(backoffice_app, "coordinator")
    before = load_user(backoffice_app, staff.id).password_hash

    page = client.get("/login/new-password")
    takeover = post_form(
        client, "/login/new-password", {"password": NEW, "confirm": NEW}, form_url="/account/"
    )

    assert page.status_code == takeover.status_code == 404
    assert load_user(backoffice_app, staff.id).password_hash == before


def test_the_first_password_page_serves_an_account_that_must_change(
    backoffice_app: Flask,
) -> None:
    staff = make_staff(backoffice_app, "coordinator", must_change_password=True)
    client = backoffice_app.test_client()
    sign_in(client, staff)

    done = post_form(client, "/login/new-password", {"password": NEW, "confirm": NEW})

    assert done.status_code == 302
    assert client.get("/login/new-password").status_code == 404


def test_the_account_page_asks_for_the_current_password_every_time(
    backoffice_app: Flask,
) -> None:
    client, staff = signed_in(backoffice_app, "coordinator")
    before = load_user(backoffice_app, staff.id)

    changes = [
        ("/account/password", {"password": NEW, "confirm": NEW}),
        ("/account/recovery-codes", {}),
        ("/account/second-factor/reset", {}),
    ]
    for url, data in changes:
        response = post_form(
            client, url, {**data, "current": "a wrong guess!!"}, form_url="/account/"
        )
        assert response.status_code == 400
        assert "今のパスワードが正しくありません" in response.get_data(as_text=True)

    after = load_user(backoffice_app, staff.id)
    assert after.password_hash == before.password_hash
    assert after.totp_secret == before.totp_secret
    assert len(events(backoffice_app, "auth.password.confirm")) == 3


def test_guessing_the_current_password_locks_and_signs_out(backoffice_app: Flask) -> None:
    client, staff = signed_in(backoffice_app, "coordinator")
    guess = {"current": "a wrong guess!!", "password": NEW, "confirm": NEW}

    answers = [
        post_form(client, "/account/password", guess, form_url="/account/").status_code
        for _ in range(5)
    ]
    answers.append(client.post("/account/password", data=guess).status_code)

    assert answers[:5] == [400] * 5
    assert answers[5] in (400, 429)  # the token went with the session: either way refused
    right = {"current": PASSWORD, "password": NEW, "confirm": NEW}
    assert post_form(client, "/account/password", right, form_url="/account/").status_code == 429
    assert client.get("/").headers["Location"].endswith("/login")
    assert (
        post_form(
            backoffice_app.test_client(), "/login", {"login": staff.login, "password": PASSWORD}
        ).status_code
        == 429
    )


def test_a_changed_password_is_told_at_next_sign_in_and_on_the_account_page(
    backoffice_app: Flask,
) -> None:
    client, staff = signed_in(backoffice_app, "coordinator")
    post_form(
        client,
        "/account/password",
        {"current": PASSWORD, "password": NEW, "confirm": NEW},
        form_url="/account/",
    )
    staff.password = NEW

    again = backoffice_app.test_client()
    assert sign_in(again, staff, code=next_code(staff)).status_code == 302
    dashboard = again.get("/").get_data(as_text=True)

    assert "パスワードが変更されました" in dashboard and TOLD in dashboard
    assert "パスワードが変更されました" not in again.get("/").get_data(as_text=True)  # once
    account = again.get("/account/").get_data(as_text=True)
    assert "パスワードが変更されました" in account
    assert events(backoffice_app, "auth.password.change")


def test_an_administrators_reset_is_told_as_such(backoffice_app: Flask) -> None:
    admin = signed_in_client(backoffice_app, "admin")
    staff = make_staff(backoffice_app, "coordinator")
    post_form(
        admin, f"/accounts/{staff.id}/reset-second-factor", {}, form_url=f"/accounts/{staff.id}"
    )

    client = backoffice_app.test_client()
    post_form(client, "/login", {"login": staff.login, "password": staff.password})
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'lang="en">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    codes = post_form(client, "/login/enrol", {"code": pyotp.TOTP(secret).now()})
    shown = codes.get_data(as_text=True) + client.get("/").get_data(as_text=True)

    assert "二段階認証がリセットされました" in shown and "管理者による操作" in shown
    assert "認証アプリが登録されました" not in shown  # that one is for the next sign-in
    assert events(backoffice_app, "auth.mfa.reset") and events(backoffice_app, "auth.mfa.enrol")


@pytest.mark.parametrize(
    ("url", "kind", "action"),
    [
        ("/account/recovery-codes", "recovery_codes.new", "auth.recovery_codes.new"),
        ("/account/second-factor/reset", "mfa.reset", "auth.mfa.reset"),
    ],
)
def test_second_factor_changes_leave_a_notice_and_an_audit_event(
    backoffice_app: Flask, url: str, kind: str, action: str
) -> None:
    client, staff = signed_in(backoffice_app, "editor")

    post_form(client, url, {"current": PASSWORD}, form_url="/account/")

    with Session(get_engine(backoffice_app)) as session:
        notices = session.scalars(select(StaffNotice).where(StaffNotice.user_id == staff.id)).all()
    assert [(n.kind, n.by_administrator) for n in notices] == [(kind, False)]
    assert [e.object_id for e in events(backoffice_app, action)] == [str(staff.id)]


def test_an_administrator_cannot_reset_their_own_password_or_second_factor(
    backoffice_app: Flask,
) -> None:
    admin, staff = signed_in(backoffice_app, "admin")
    before = load_user(backoffice_app, staff.id)

    password = post_form(
        admin, f"/accounts/{staff.id}/reset-password", {}, form_url=f"/accounts/{staff.id}"
    )
    factor = post_form(
        admin, f"/accounts/{staff.id}/reset-second-factor", {}, form_url=f"/accounts/{staff.id}"
    )

    assert password.status_code == factor.status_code == 302
    assert "自分のアカウント" in admin.get(f"/accounts/{staff.id}").get_data(as_text=True)
    after = load_user(backoffice_app, staff.id)
    assert after.password_hash == before.password_hash and not after.must_change_password
    assert after.totp_secret == before.totp_secret
    assert not events(backoffice_app, "auth.password.reset")


def test_an_administrators_temporary_password_is_audited_and_told(backoffice_app: Flask) -> None:
    admin = signed_in_client(backoffice_app, "admin")
    staff = make_staff(backoffice_app, "coordinator")

    response = post_form(
        admin, f"/accounts/{staff.id}/reset-password", {}, form_url=f"/accounts/{staff.id}"
    )

    assert response.status_code == 200
    assert load_user(backoffice_app, staff.id).must_change_password
    assert [e.object_id for e in events(backoffice_app, "auth.password.reset")] == [str(staff.id)]
    with Session(get_engine(backoffice_app)) as session:
        notice = session.scalar(select(StaffNotice).where(StaffNotice.user_id == staff.id))
    assert notice is not None and notice.kind == "password.reset" and notice.by_administrator
