"""A user's own account page, and account administration."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff.models import StaffSession, StaffUser
from core.db import get_engine
from tests.staff import (
    PASSWORD,
    csrf_token,
    load_user,
    make_staff,
    post_form,
    sign_in,
    signed_in_client,
)


def test_changing_the_password_ends_the_other_sessions(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    first, second = backoffice_app.test_client(), backoffice_app.test_client()
    with time_machine.travel(datetime(2026, 11, 26, 1, 0, tzinfo=UTC), tick=False) as clock:
        sign_in(first, staff)
        clock.shift(timedelta(seconds=30))  # a new code for the second device
        sign_in(second, staff)
        new = "another long passphrase 42"

        response = post_form(
            first,
            "/account/password",
            {"current": PASSWORD, "password": new, "confirm": new},
            form_url="/account/",
        )

        assert response.status_code == 302
        assert first.get("/").status_code == 200
        assert second.get("/").headers["Location"].endswith("/login")


def test_wrong_current_password_changes_nothing(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    sign_in(client, staff)
    before = load_user(backoffice_app, staff.id).password_hash
    new = "another long passphrase 42"

    response = post_form(
        client,
        "/account/password",
        {"current": "not it at all", "password": new, "confirm": new},
        form_url="/account/",
    )

    assert response.status_code == 400
    assert "今のパスワードが正しくありません" in response.get_data(as_text=True)
    assert load_user(backoffice_app, staff.id).password_hash == before


def test_a_user_cannot_end_someone_elses_session(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "analyst")
    other = backoffice_app.test_client()
    sign_in(other, staff)
    client = signed_in_client(backoffice_app, "analyst")
    with Session(get_engine(backoffice_app)) as db:
        theirs = db.scalars(select(StaffSession.id).where(StaffSession.user_id == staff.id)).all()
    token = csrf_token(client, "/account/")

    for session_id in theirs:
        client.post(f"/account/sessions/{session_id}/end", data={"csrf_token": token})

    assert other.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert theirs[0] not in client.get("/account/").get_data(as_text=True)


def test_regenerating_recovery_codes_needs_the_password(backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "editor")

    refused = post_form(
        client, "/account/recovery-codes", {"current": "wrong"}, form_url="/account/"
    )
    shown = post_form(
        client, "/account/recovery-codes", {"current": PASSWORD}, form_url="/account/"
    )

    assert refused.status_code == 400
    assert len(re.findall(r"<li><code>", shown.get_data(as_text=True))) == 10


def test_admin_creates_an_account_with_a_temporary_password(backoffice_app: Flask) -> None:
    admin = signed_in_client(backoffice_app, "admin")

    response = post_form(
        admin,
        "/accounts/new",
        {"login": "Sato", "display_name": "佐藤", "roles": "liaison", "active": "y"},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    password = re.search(r'<code lang="en">([a-z2-9-]+)</code>', html).group(1)  # type: ignore[union-attr]
    with Session(get_engine(backoffice_app)) as db:
        user = db.scalar(select(StaffUser).where(StaffUser.login == "sato"))
        assert user is not None and user.must_change_password
        assert user.granted_roles == {"liaison"} and not user.roles  # until a second admin approves
    newcomer = backoffice_app.test_client()
    step = post_form(newcomer, "/login", {"login": "sato", "password": password})
    assert step.headers["Location"].endswith("/login/enrol")


def test_admin_form_refuses_bad_input_and_stores_nothing(backoffice_app: Flask) -> None:
    admin = signed_in_client(backoffice_app, "admin")

    response = post_form(
        admin, "/accounts/new", {"login": "bad login!", "display_name": "x", "roles": "liaison"}
    )
    no_role = post_form(admin, "/accounts/new", {"login": "valid", "display_name": "x"})

    assert response.status_code == 400
    assert "ログインIDは半角英小文字" in response.get_data(as_text=True)
    assert no_role.status_code == 400
    with Session(get_engine(backoffice_app)) as db:
        assert db.scalar(select(StaffUser).where(StaffUser.login == "valid")) is None


def test_admin_changes_roles_and_disables_an_account(backoffice_app: Flask) -> None:
    admin = signed_in_client(backoffice_app, "admin")
    staff = make_staff(backoffice_app, "liaison")
    victim = backoffice_app.test_client()
    sign_in(victim, staff)

    post_form(
        admin,
        f"/accounts/{staff.id}",
        {"display_name": "x", "roles": ["analyst"]},
    )

    user = load_user(backoffice_app, staff.id)
    assert user.roles == {"analyst"} and not user.active
    assert victim.get("/").headers["Location"].endswith("/login")


def test_admin_resets_a_second_factor(backoffice_app: Flask) -> None:
    admin = signed_in_client(backoffice_app, "admin")
    staff = make_staff(backoffice_app, "coordinator")

    post_form(
        admin, f"/accounts/{staff.id}/reset-second-factor", {}, form_url=f"/accounts/{staff.id}"
    )

    assert not load_user(backoffice_app, staff.id).has_second_factor
    client = backoffice_app.test_client()
    step = post_form(client, "/login", {"login": staff.login, "password": staff.password})
    assert step.headers["Location"].endswith("/login/enrol")


def test_admin_without_a_case_role_cannot_reach_cases(backoffice_app: Flask) -> None:
    from backoffice.staff.permissions import permissions_for

    assert not {p for p in permissions_for({"admin"}) if p.startswith(("referral.", "outreach."))}
