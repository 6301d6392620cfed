"""`flask --app wsgi staff ...` and the demo account."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.staff import PASSWORD, load_user, make_staff


def run(app: Flask, *args: str, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_create_list_disable_enable_and_reset(backoffice_app: Flask, tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")

    created = run(
        backoffice_app,
        "staff",
        "create",
        "Yamada",
        "--role",
        "admin",
        "--role",
        "auditor",
        "--password-file",
        str(password_file),
    )
    listed = run(backoffice_app, "staff", "list")
    disabled = run(backoffice_app, "staff", "disable", "yamada")
    enabled = run(backoffice_app, "staff", "enable", "yamada")
    reset = run(backoffice_app, "staff", "reset-2fa", "yamada")

    assert created.exit_code == 0, created.output
    assert "yamada\tadmin,auditor\tactive\tno 2FA yet" in listed.output
    assert disabled.exit_code == enabled.exit_code == reset.exit_code == 0


def test_create_asks_for_the_password_twice(backoffice_app: Flask) -> None:
    result = run(
        backoffice_app,
        "staff",
        "create",
        "kato",
        "--role",
        "editor",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output


def test_create_refuses_a_weak_password(backoffice_app: Flask) -> None:
    result = run(
        backoffice_app,
        "staff",
        "create",
        "kato",
        "--role",
        "editor",
        input="password1234\npassword1234\n",
    )

    assert result.exit_code != 0
    assert "推測されやすい" in result.output


def test_unknown_login_is_named(backoffice_app: Flask) -> None:
    result = run(backoffice_app, "staff", "disable", "nobody")

    assert result.exit_code != 0
    assert "no staff account with the login 'nobody'" in result.output


def test_reset_2fa_removes_the_second_factor(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")

    run(backoffice_app, "staff", "reset-2fa", staff.login)

    assert not load_user(backoffice_app, staff.id).has_second_factor


def test_demo_account_is_shown_once_and_its_code_can_be_printed(backoffice_app: Flask) -> None:
    first = run(backoffice_app, "tsunagu", "demo")
    second = run(backoffice_app, "tsunagu", "demo")
    code = run(backoffice_app, "tsunagu", "demo-code")

    assert first.exit_code == 0, first.output
    assert "password:" in first.output and "2FA key:" in first.output
    assert "password:" not in second.output
    assert code.output.strip().isdigit() and len(code.output.strip()) == 6


def test_every_staff_command_has_help(backoffice_app: Flask) -> None:
    for command in ("create", "list", "disable", "enable", "reset-2fa"):
        result = run(backoffice_app, "staff", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    for group in ("audit", "keys", "db"):
        assert run(backoffice_app, group, "--help").exit_code == 0


def test_purge_sessions_deletes_only_sessions_that_cannot_be_used(backoffice_app: Flask) -> None:
    from datetime import timedelta

    import time_machine
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from backoffice.models import StaffSession
    from core.db import get_engine
    from tests.staff import signed_in_client

    signed_in_client(backoffice_app, "analyst")  # two rows: one per sign-in step
    with Session(get_engine(backoffice_app)) as session:
        old = session.scalar(select(func.count()).select_from(StaffSession))
    with time_machine.travel(timedelta(days=2)):
        fresh = signed_in_client(backoffice_app, "analyst")
        result = run(backoffice_app, "staff", "purge-sessions")
        assert fresh.get("/").status_code == 200

    assert result.exit_code == 0 and f"deleted {old} expired sessions" in result.output
    with Session(get_engine(backoffice_app)) as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == old
