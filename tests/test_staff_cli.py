"""`flask --app wsgi staff ...` and the demo account."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from core.db import utcnow
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


def test_approve_gives_the_roles_that_wait_and_list_shows_them(backoffice_app: Flask) -> None:
    from backoffice.staff import role_changes
    from backoffice.staff.actor import Actor
    from backoffice.staff.models import StaffUser
    from core.db import get_engine

    admin = make_staff(backoffice_app, "admin")
    staff = make_staff(backoffice_app, "analyst")
    with Session(get_engine(backoffice_app)) as session, session.begin():
        granter = Actor(session.get(StaffUser, admin.id), None)
        user = session.get(StaffUser, staff.id)
        assert user is not None
        role_changes.set_roles(session, user, {"analyst", "liaison", "coordinator"}, actor=granter)

    listed = run(backoffice_app, "staff", "list")
    one = run(backoffice_app, "staff", "approve", staff.login, "--role", "liaison")
    rest = run(backoffice_app, "staff", "approve", staff.login)
    none_left = run(backoffice_app, "staff", "approve", staff.login)

    assert f"{staff.login}\tanalyst,coordinator(pending),liaison(pending)\t" in listed.output
    assert one.exit_code == rest.exit_code == 0, one.output + rest.output
    assert "approved for" in one.output and "liaison" in one.output
    assert load_user(backoffice_app, staff.id).roles == {"analyst", "coordinator", "liaison"}
    assert none_left.exit_code != 0 and "no role waiting" in none_left.output


def test_demo_reset_gives_back_roles_left_waiting(backoffice_app: Flask) -> None:
    from backoffice.staff import accounts, credentials
    from backoffice.staff.actor import Actor
    from backoffice.staff.models import StaffUser
    from backoffice.staff.permissions import ROLES
    from core.db import get_engine

    assert run(backoffice_app, "tsunagu", "demo").exit_code == 0
    admin = make_staff(backoffice_app, "admin")
    with Session(get_engine(backoffice_app)) as session, session.begin():
        demo = accounts.find_by_login(session, "demo")
        assert demo is not None and demo.roles == set(ROLES)
        resetter = Actor(session.get(StaffUser, admin.id), None)
        credentials.reset_second_factor(session, demo, actor=resetter, now=utcnow())
        assert demo.pending_roles
        demo_id = demo.id

    assert run(backoffice_app, "tsunagu", "demo", "--reset-account").exit_code == 0

    assert load_user(backoffice_app, demo_id).roles == set(ROLES)


def test_demo_account_is_shown_once_and_its_code_can_be_printed(backoffice_app: Flask) -> None:
    first = run(backoffice_app, "tsunagu", "demo")
    second = run(backoffice_app, "tsunagu", "demo")
    code = run(backoffice_app, "tsunagu", "demo-code")

    assert first.exit_code == 0, first.output
    assert "password:" in first.output and "2FA key:" in first.output
    assert "password:" not in second.output
    assert code.output.strip().isdigit() and len(code.output.strip()) == 6


def test_every_staff_command_has_help(backoffice_app: Flask) -> None:
    for command in ("create", "list", "approve", "disable", "enable", "reset-2fa"):
        result = run(backoffice_app, "staff", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    for group in ("audit", "keys", "db"):
        assert run(backoffice_app, group, "--help").exit_code == 0


def test_purge_sessions_deletes_only_sessions_that_cannot_be_used(backoffice_app: Flask) -> None:
    from datetime import timedelta

    import time_machine
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from backoffice.staff.models import StaffSession
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
