"""Signing in to the back office: password, second factor, lockout, recovery, first password."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backoffice.staff.models import StaffSession
from core.audit import AuditEvent
from core.db import get_engine
from tests.staff import (
    PASSWORD,
    current_code,
    load_user,
    make_staff,
    post_form,
    sign_in,
    signed_in_client,
)

START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def actions(app: Flask) -> list[str]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_password_then_code_reaches_the_dashboard(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()

    response = sign_in(client, staff)

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert "auth.login.success" in actions(backoffice_app)
    assert load_user(backoffice_app, staff.id).last_login_at is not None


def test_password_alone_is_not_enough(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin")
    client = backoffice_app.test_client()

    post_form(client, "/login", {"login": staff.login, "password": staff.password})

    assert client.get("/").headers["Location"].endswith("/login")
    assert client.get("/login").headers["Location"].endswith("/login/code")


def test_wrong_password_and_unknown_login_get_the_same_answer(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin")
    client = backoffice_app.test_client()

    wrong = post_form(client, "/login", {"login": staff.login, "password": "wrong password!!"})
    unknown = post_form(client, "/login", {"login": "nobody", "password": "wrong password!!"})

    assert wrong.status_code == unknown.status_code == 401
    message = "ログインIDまたはパスワードが正しくありません。"
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_five_failures_lock_the_account_for_fifteen_minutes(backoffice_app: Flask, clock) -> None:
    staff = make_staff(backoffice_app, "admin")
    client = backoffice_app.test_client()
    for _ in range(5):
        response = post_form(client, "/login", {"login": staff.login, "password": "wrong one!!"})
        assert response.status_code == 401

    locked = post_form(client, "/login", {"login": staff.login, "password": staff.password})

    assert locked.status_code == 429
    assert "15分" in locked.get_data(as_text=True)
    assert "auth.lock" in actions(backoffice_app)

    clock.shift(timedelta(minutes=16))
    fresh = backoffice_app.test_client()
    assert sign_in(fresh, staff).status_code == 302


def test_an_unknown_login_locks_exactly_like_a_real_one(backoffice_app: Flask) -> None:
    client = backoffice_app.test_client()
    answers = [
        post_form(client, "/login", {"login": "ghost", "password": "wrong one!!"}).status_code
        for _ in range(6)
    ]

    assert answers == [401, 401, 401, 401, 401, 429]


def test_a_code_cannot_be_used_twice(backoffice_app: Flask, clock) -> None:
    staff = make_staff(backoffice_app, "admin")
    code = current_code(staff.secret or "")
    assert sign_in(backoffice_app.test_client(), staff, code=code).status_code == 302

    replay = sign_in(backoffice_app.test_client(), staff, code=code)

    assert replay.status_code == 401
    assert "すでに使われた" in replay.get_data(as_text=True)


def test_code_from_the_previous_step_is_accepted_but_not_older(
    backoffice_app: Flask, clock
) -> None:
    staff = make_staff(backoffice_app, "admin")
    totp = pyotp.TOTP(staff.secret or "")

    old = sign_in(backoffice_app.test_client(), staff, code=totp.at(START - timedelta(seconds=90)))
    previous = sign_in(
        backoffice_app.test_client(), staff, code=totp.at(START - timedelta(seconds=30))
    )

    assert old.status_code == 401
    assert previous.status_code == 302


def test_enrolment_shows_a_qr_code_then_recovery_codes_once(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "editor", enrolled=False)
    client = backoffice_app.test_client()
    response = post_form(client, "/login", {"login": staff.login, "password": staff.password})
    assert response.headers["Location"].endswith("/login/enrol")

    page = client.get("/login/enrol").get_data(as_text=True)
    assert '<svg role="img" class="qr-code"' in page
    secret = re.search(r'<code class="secret" lang="en">([A-Z2-7 ]+)</code>', page)
    assert secret
    done = post_form(
        client, "/login/enrol", {"code": pyotp.TOTP(secret.group(1).replace(" ", "")).now()}
    )

    html = done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", html)
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert load_user(backoffice_app, staff.id).has_second_factor


def test_enrolment_refuses_a_wrong_code_and_stores_nothing(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "editor", enrolled=False)
    client = backoffice_app.test_client()
    post_form(client, "/login", {"login": staff.login, "password": staff.password})

    response = post_form(client, "/login/enrol", {"code": "000000"}, form_url="/login/enrol")

    assert response.status_code == 400
    assert not load_user(backoffice_app, staff.id).has_second_factor


def test_a_recovery_code_works_once(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin", enrolled=False)
    client = backoffice_app.test_client()
    post_form(client, "/login", {"login": staff.login, "password": staff.password})
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'lang="en">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    html = post_form(client, "/login/enrol", {"code": pyotp.TOTP(secret).now()}).get_data(
        as_text=True
    )
    recovery = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", html)[0]
    staff.secret = secret

    first = sign_in(backoffice_app.test_client(), staff, code=recovery)
    again = sign_in(backoffice_app.test_client(), staff, code=recovery)

    assert first.status_code == 302
    assert again.status_code == 401


def test_first_sign_in_must_set_a_new_password(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator", must_change_password=True)
    client = backoffice_app.test_client()

    response = sign_in(client, staff)
    assert response.headers["Location"].endswith("/login/new-password")
    assert client.get("/").headers["Location"].endswith("/login/new-password")

    weak = post_form(
        client, "/login/new-password", {"password": "password1234", "confirm": "password1234"}
    )
    assert weak.status_code == 400
    assert "推測されやすい" in weak.get_data(as_text=True)

    new = "a different long passphrase 9"
    done = post_form(client, "/login/new-password", {"password": new, "confirm": new})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert not load_user(backoffice_app, staff.id).must_change_password


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "12文字以上"),
        ("x" * 129, "128文字以内"),
        ("aaaaaaaaaaaaaaa", "推測されやすい"),
    ],
)
def test_password_policy_messages(password: str, message: str) -> None:
    from backoffice.staff.passwords import password_problems

    assert any(message in problem for problem in password_problems(password))


def test_password_may_not_contain_the_login() -> None:
    from backoffice.staff.passwords import password_problems

    problems = password_problems("tanaka-the-strong-one", login="tanaka")

    assert any("ログインID" in problem for problem in problems)


def test_session_id_changes_at_each_sign_in_step(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin")
    client = backoffice_app.test_client()
    client.get("/login")
    assert client.get_cookie("tsunagu_staff") is None  # a visitor has no session row
    assert client.get_cookie("tsunagu_staff_anon") is not None
    post_form(client, "/login", {"login": staff.login, "password": staff.password})
    middle = client.get_cookie("tsunagu_staff")
    post_form(client, "/login/code", {"code": current_code(staff.secret or "")})
    after = client.get_cookie("tsunagu_staff")

    assert middle and after
    assert middle.value != after.value
    assert client.get_cookie("tsunagu_staff_anon") is None


def test_a_fixed_session_cookie_does_not_survive_sign_in(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin")
    attacker = backoffice_app.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("tsunagu_staff_anon").value  # type: ignore[union-attr]
    victim = backoffice_app.test_client()
    victim.set_cookie("tsunagu_staff_anon", planted)
    victim.set_cookie("tsunagu_staff", "a-token-the-attacker-chose")

    sign_in(victim, staff)
    attacker.set_cookie("tsunagu_staff", "a-token-the-attacker-chose")

    assert victim.get_cookie("tsunagu_staff").value != "a-token-the-attacker-chose"  # type: ignore[union-attr]
    assert victim.get("/").status_code == 200
    assert attacker.get("/").headers["Location"].endswith("/login")


def test_the_database_holds_only_a_hash_of_the_session_token(backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "admin")
    token = client.get_cookie("tsunagu_staff").value  # type: ignore[union-attr]

    with Session(get_engine(backoffice_app)) as session:
        ids = list(session.scalars(select(StaffSession.id)))

    assert token not in ids
    assert all(len(i) == 64 for i in ids)


def test_idle_sessions_expire_after_fifteen_minutes(backoffice_app: Flask, clock) -> None:
    client = signed_in_client(backoffice_app, "admin")
    clock.shift(timedelta(minutes=14))
    assert client.get("/").status_code == 200
    clock.shift(timedelta(minutes=14))
    assert client.get("/").status_code == 200

    clock.shift(timedelta(minutes=16))

    assert client.get("/").headers["Location"].endswith("/login")


def test_sessions_end_after_eight_hours_however_busy(backoffice_app: Flask, clock) -> None:
    client = signed_in_client(backoffice_app, "admin")
    for _ in range(8 * 6 + 1):
        clock.shift(timedelta(minutes=10))
        response = client.get("/")
    assert response.status_code == 302


def test_sign_out_ends_the_session_on_the_server(backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "admin")
    token = client.get_cookie("tsunagu_staff").value  # type: ignore[union-attr]

    post_form(client, "/logout", {}, form_url="/")
    replay = backoffice_app.test_client()
    replay.set_cookie("tsunagu_staff", token)

    assert replay.get("/").headers["Location"].endswith("/login")
    assert "session.end" in actions(backoffice_app)


def test_a_request_racing_sign_out_cannot_bring_the_session_back(backoffice_app: Flask) -> None:
    from flask import request

    from backoffice.web.sessions import token_id

    client = signed_in_client(backoffice_app, "admin")
    token = client.get_cookie("tsunagu_staff").value  # type: ignore[union-attr]
    interface = backoffice_app.session_interface

    # A slow request has loaded the session; sign-out ends it before the slow one saves.
    with backoffice_app.test_request_context("/", headers={"Cookie": f"tsunagu_staff={token}"}):
        slow = interface.open_session(backoffice_app, request)
        post_form(client, "/logout", {}, form_url="/")
        slow["touched"] = True
        response = backoffice_app.response_class()
        interface.save_session(backoffice_app, slow, response)

    with Session(get_engine(backoffice_app)) as db:
        row = db.get(StaffSession, token_id(token))
    assert row is not None and row.revoked_at is not None
    assert "touched" not in row.data
    assert "tsunagu_staff=;" in response.headers.get("Set-Cookie", "")
    replay = backoffice_app.test_client()
    replay.set_cookie("tsunagu_staff", token)
    assert replay.get("/").headers["Location"].endswith("/login")


def test_sign_in_without_csrf_token_is_refused(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin")
    client = backoffice_app.test_client()
    client.get("/login")

    response = client.post("/login", data={"login": staff.login, "password": PASSWORD})

    assert response.status_code == 400


def test_totp_secret_is_encrypted_in_the_database(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "admin")

    with get_engine(backoffice_app).connect() as connection:
        stored = connection.execute(
            text("SELECT totp_secret FROM staff_user WHERE id = :id"), {"id": staff.id}
        ).scalar_one()

    assert staff.secret and staff.secret not in stored
    assert load_user(backoffice_app, staff.id).totp_secret == staff.secret


def test_disabled_accounts_are_signed_out_at_once(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    sign_in(client, staff)
    with Session(get_engine(backoffice_app)) as session, session.begin():
        session.execute(
            text("UPDATE staff_user SET active = :f WHERE id = :id"), {"f": False, "id": staff.id}
        )

    assert client.get("/").headers["Location"].endswith("/login")
