"""The sign-in attempt clock: counted before the check, atomically, the same for every login."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from backoffice.staff.models import LoginThrottle
from backoffice.views.staff import signin as auth
from core.db import get_engine
from tests.staff import csrf_token, current_code, load_user, make_staff, post_form

START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
WRONG = "not the password at all"


def parallel_sign_ins(app: Flask, login: str, password: str, count: int) -> list[int]:
    """``count`` attempts sent at the same moment from as many browsers, on real threads."""
    clients = [app.test_client() for _ in range(count)]
    tokens = [csrf_token(client, "/login") for client in clients]
    start = threading.Barrier(count)

    def attempt(index: int) -> int:
        start.wait()
        data = {"login": login, "password": password, "csrf_token": tokens[index]}
        return clients[index].post("/login", data=data).status_code

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(attempt, range(count)))


def attempt(app: Flask, login: str, password: str = WRONG) -> int:
    return post_form(
        app.test_client(), "/login", {"login": login, "password": password}
    ).status_code


def test_parallel_wrong_passwords_are_each_counted_and_lock(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")

    answers = parallel_sign_ins(backoffice_app, staff.login, WRONG, 7)

    assert sorted(answers) == [401] * 5 + [429] * 2
    assert load_user(backoffice_app, staff.id).locked_until is not None
    assert attempt(backoffice_app, staff.login, staff.password) == 429


def test_many_parallel_attempts_are_answered_never_with_a_server_error(
    backoffice_app: Flask,
) -> None:
    staff = make_staff(backoffice_app, "coordinator")

    answers = parallel_sign_ins(backoffice_app, staff.login, WRONG, 18)

    assert sorted(answers) == [401] * 5 + [429] * 13
    assert attempt(backoffice_app, staff.login, staff.password) == 429


def test_an_attempt_is_counted_even_if_the_check_never_finishes(
    backoffice_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = make_staff(backoffice_app, "coordinator")

    def dies(*args: object) -> bool:
        raise RuntimeError("the worker was killed during the check")

    monkeypatch.setattr("backoffice.staff.signin.verify_password", dies)

    assert attempt(backoffice_app, staff.login) == 500
    assert load_user(backoffice_app, staff.id).failed_logins == 1


def test_a_right_password_gives_its_attempt_back_and_sign_in_clears_the_count(
    backoffice_app: Flask,
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    for _ in range(3):
        attempt(backoffice_app, staff.login)
    client = backoffice_app.test_client()

    post_form(client, "/login", {"login": staff.login, "password": staff.password})
    assert load_user(backoffice_app, staff.id).failed_logins == 3
    post_form(client, "/login/code", {"code": current_code(staff.secret or "")})

    assert load_user(backoffice_app, staff.id).failed_logins == 0


def test_wrong_codes_lock_the_account_too(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    post_form(client, "/login", {"login": staff.login, "password": staff.password})

    answers = [post_form(client, "/login/code", {"code": "000000"}).status_code for _ in range(6)]

    assert answers == [401] * 5 + [429]
    assert attempt(backoffice_app, staff.login, staff.password) == 429


def script(app: Flask, login: str) -> list[int]:
    """What an attacker sees of one login over time."""
    answers = []
    with time_machine.travel(START, tick=False) as clock:
        answers += [attempt(app, login) for _ in range(4)]
        clock.shift(timedelta(minutes=16))  # the window moved on: the count starts again
        answers += [attempt(app, login) for _ in range(6)]
        clock.shift(timedelta(minutes=14))  # still locked
        answers.append(attempt(app, login))
        clock.shift(timedelta(minutes=2))  # lock over
        answers.append(attempt(app, login))
    return answers


def test_an_unknown_login_keeps_exactly_the_clock_of_a_real_one(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")

    real = script(backoffice_app, staff.login)
    unknown = script(backoffice_app, "nobody-here")

    assert real == [401] * 4 + [401] * 5 + [429] + [429] + [401]
    assert unknown == real


def test_unknown_logins_lock_in_parallel_like_real_ones(backoffice_app: Flask) -> None:
    answers = parallel_sign_ins(backoffice_app, "ghost", WRONG, 7)

    assert sorted(answers) == [401] * 5 + [429] * 2


def test_unknown_logins_are_stored_only_as_a_keyed_hash(backoffice_app: Flask) -> None:
    attempt(backoffice_app, "Typed-By-Mistake")

    with Session(get_engine(backoffice_app)) as session:
        keys = list(session.scalars(select(LoginThrottle.login_key)))
    assert len(keys) == 1 and "typed" not in keys[0].casefold()


def test_a_disabled_account_locks_like_an_unknown_login(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    run = ["staff", "disable", staff.login]
    backoffice_app.test_cli_runner().invoke(args=run)

    answers = [attempt(backoffice_app, staff.login, staff.password) for _ in range(6)]

    assert answers == [401] * 5 + [429]
    with Session(get_engine(backoffice_app)) as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 1


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("UPDATE staff_user", {}, Exception("database is locked")),
        PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    ],
)
def test_a_busy_database_answers_429_with_a_page_in_japanese(
    backoffice_app: Flask, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(auth, "authenticate_password", busy)
    client = backoffice_app.test_client()

    response = post_form(client, "/login", {"login": "someone", "password": WRONG})

    assert response.status_code == 429
    assert "ただいま混み合っています" in response.get_data(as_text=True)


def test_other_database_errors_are_not_taken_for_a_busy_database(
    backoffice_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("no such table: staff_user"))

    monkeypatch.setattr(auth, "authenticate_password", broken)

    response = post_form(backoffice_app.test_client(), "/login", {"login": "x", "password": WRONG})

    assert response.status_code == 500


def test_purge_removes_only_the_counts_whose_window_is_over(backoffice_app: Flask) -> None:
    with time_machine.travel(START, tick=False) as clock:
        attempt(backoffice_app, "old-guess")
        clock.shift(timedelta(minutes=20))
        attempt(backoffice_app, "new-guess")
        result = backoffice_app.test_cli_runner().invoke(args=["staff", "purge-sessions"])

    assert "and 1 attempt counts" in result.output
    with Session(get_engine(backoffice_app)) as session:
        assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 1
