"""The four-eyes rule: no administrator reads cases alone.

A case role (or the admin role) an administrator gives through the web, or keeps on an account
whose password or second factor an administrator resets, waits for a second, different
administrator's approval; a waiting role grants nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backoffice.referrals.tasks import assignable_staff
from backoffice.staff.models import StaffUser
from backoffice.staff.permissions import (
    ACCOUNT_PERMISSIONS,
    CASE_ROLES,
    FOUR_EYES_ROLES,
    ROLE_PERMISSIONS,
    permissions_for,
)
from core.audit import AuditEvent
from core.db import get_engine, make_engine
from core.migrate import alembic_config
from tests.conftest import SERVER_URL
from tests.databases import fresh_database
from tests.referrals import PERSON_NAME, make_referral
from tests.staff import Staff, load_user, make_staff, post_form, sign_in

NEW_PASSWORD = "a fresh long passphrase of mine 4"
SHOWN = re.compile(r'<code lang="en">([a-z2-9-]+)</code>')


def admin(app: Flask, *roles: str) -> tuple[FlaskClient, Staff]:
    staff = make_staff(app, "admin", *roles)
    client = app.test_client()
    sign_in(client, staff)
    return client, staff


def create_account(client: FlaskClient, login: str, *roles: str) -> str:
    """An account made on the web page; returns the temporary password shown once."""
    data = {"login": login, "display_name": "影", "roles": list(roles), "active": "y"}
    response = post_form(client, "/accounts/new", data)  # type: ignore[arg-type]
    assert response.status_code == 200, response.get_data(as_text=True)
    return shown_password(response.get_data(as_text=True))


def shown_password(html: str) -> str:
    match = SHOWN.search(html)
    assert match, "no temporary password on the page"
    return match.group(1)


def first_sign_in(app: Flask, login: str, password: str) -> FlaskClient:
    """Sign in with a temporary password: enrol the secret shown, then set a new password."""
    client = app.test_client()
    step = post_form(client, "/login", {"login": login, "password": password})
    assert step.headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'lang="en">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert post_form(client, "/login/enrol", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    done = post_form(
        client, "/login/new-password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    return client


def account_id(app: Flask, login: str) -> int:
    with Session(get_engine(app)) as session:
        user_id = session.scalar(select(StaffUser.id).where(StaffUser.login == login))
    assert user_id is not None
    return user_id


def approve(client: FlaskClient, user_id: int, role: str):
    url = f"/accounts/{user_id}/roles/{role}/approve"
    return post_form(client, url, {}, form_url=f"/accounts/{user_id}")


def events(app: Flask, action: str) -> list[AuditEvent]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_case_roles_are_the_roles_that_read_cases() -> None:
    readers = {role for role, granted in ROLE_PERMISSIONS.items() if "referral.read" in granted}
    assert CASE_ROLES == readers == {"coordinator", "supervisor", "liaison"}
    assert {"admin", *CASE_ROLES} == FOUR_EYES_ROLES


def test_the_reviews_shadow_account_reads_nothing_until_a_second_admin_approves(
    backoffice_app: Flask,
) -> None:
    first, granter = admin(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, granter.id)
    second, _ = admin(backoffice_app)

    password = create_account(first, "shadow", "coordinator")
    shadow = first_sign_in(backoffice_app, "shadow", password)

    refused = shadow.get(f"/referrals/{referral_id}")
    assert refused.status_code in (403, 404)
    assert PERSON_NAME not in refused.get_data(as_text=True)
    assert shadow.get("/referrals/").status_code == 403
    assert "承認待ち" in shadow.get("/").get_data(as_text=True)

    user_id = account_id(backoffice_app, "shadow")
    assert approve(first, user_id, "coordinator").status_code == 302
    assert shadow.get(f"/referrals/{referral_id}").status_code in (403, 404)

    assert approve(second, user_id, "coordinator").status_code == 302
    allowed = shadow.get(f"/referrals/{referral_id}")
    assert allowed.status_code == 200 and PERSON_NAME in allowed.get_data(as_text=True)
    assert "承認待ち" not in shadow.get("/").get_data(as_text=True)


def test_the_granter_cannot_approve_and_the_refusal_is_audited(backoffice_app: Flask) -> None:
    first, _ = admin(backoffice_app)
    staff = make_staff(backoffice_app, "editor")
    post_form(
        first, f"/accounts/{staff.id}",
        {"display_name": "職員", "roles": ["editor", "liaison"], "active": "y"},
    )  # fmt: skip

    response = approve(first, staff.id, "liaison")

    assert "自分が付けた役割" in first.get(response.headers["Location"]).get_data(as_text=True)
    user = load_user(backoffice_app, staff.id)
    assert user.roles == {"editor"} and user.granted_roles == {"editor", "liaison"}
    [refusal] = events(backoffice_app, "staff.roles.approve")
    assert refusal.outcome == "denied" and refusal.reason == "own grant: liaison"
    assert refusal.object_id == str(staff.id)


def test_nobody_approves_a_role_on_their_own_account(backoffice_app: Flask) -> None:
    first, _ = admin(backoffice_app)
    colleague = make_staff(backoffice_app, "admin")
    post_form(
        first, f"/accounts/{colleague.id}",
        {"display_name": "職員", "roles": ["admin", "coordinator"], "active": "y"},
    )  # fmt: skip
    own = backoffice_app.test_client()
    sign_in(own, colleague)

    approve(own, colleague.id, "coordinator")

    assert load_user(backoffice_app, colleague.id).roles == {"admin"}
    [refusal] = events(backoffice_app, "staff.roles.approve")
    assert refusal.outcome == "denied" and refusal.reason == "own account: coordinator"


@pytest.mark.parametrize("role", sorted(FOUR_EYES_ROLES))
def test_a_waiting_role_grants_nothing(backoffice_app: Flask, role: str) -> None:
    first, _ = admin(backoffice_app)
    second, _ = admin(backoffice_app)
    password = create_account(first, "newcomer", role)
    user_id = account_id(backoffice_app, "newcomer")
    newcomer = first_sign_in(backoffice_app, "newcomer", password)
    user = load_user(backoffice_app, user_id)
    address = "/accounts/" if role == "admin" else "/referrals/"

    assert user.roles == set() and permissions_for(user.roles) == set()
    assert user.permissions == ACCOUNT_PERMISSIONS  # its dashboard and its own sign-in only
    assert newcomer.get(address).status_code == 403

    approve(second, user_id, role)

    assert load_user(backoffice_app, user_id).roles == {role}
    assert newcomer.get(address).status_code == 200


def test_a_second_administrator_made_alone_cannot_approve(backoffice_app: Flask) -> None:
    """Making an admin account and signing in as it must not stand in for a second person."""
    first, _ = admin(backoffice_app)
    helper_password = create_account(first, "helper", "admin")
    create_account(first, "shadow", "coordinator")
    helper = first_sign_in(backoffice_app, "helper", helper_password)

    response = approve(helper, account_id(backoffice_app, "shadow"), "coordinator")

    assert response.status_code == 403
    assert load_user(backoffice_app, account_id(backoffice_app, "shadow")).roles == set()


def test_roles_that_open_no_case_are_in_effect_at_once(backoffice_app: Flask) -> None:
    first, _ = admin(backoffice_app)
    create_account(first, "counter", "analyst", "editor")

    user = load_user(backoffice_app, account_id(backoffice_app, "counter"))

    assert user.roles == {"analyst", "editor"} and not user.pending_roles
    assert not events(backoffice_app, "staff.roles.pending")


@pytest.mark.parametrize("reset", ["reset-password", "reset-second-factor"])
def test_a_reset_puts_the_case_roles_back_to_waiting(backoffice_app: Flask, reset: str) -> None:
    first, resetter = admin(backoffice_app)
    second, _ = admin(backoffice_app)
    staff = make_staff(backoffice_app, "coordinator", "analyst")
    form_url = f"/accounts/{staff.id}"

    response = post_form(first, f"/accounts/{staff.id}/{reset}", {}, form_url=form_url)

    assert response.status_code in (200, 302)
    user = load_user(backoffice_app, staff.id)
    assert user.roles == {"analyst"} and [row.role for row in user.pending_roles] == ["coordinator"]
    assert user.pending_roles[0].granted_by_id == resetter.id
    [held] = events(backoffice_app, "staff.roles.pending")
    cause = "password reset" if reset == "reset-password" else "second factor reset"
    assert held.reason == f"{cause}: coordinator" and held.object_id == str(staff.id)

    approve(first, staff.id, "coordinator")
    assert load_user(backoffice_app, staff.id).roles == {"analyst"}
    approve(second, staff.id, "coordinator")
    assert load_user(backoffice_app, staff.id).roles == {"analyst", "coordinator"}


def test_a_takeover_by_reset_reads_nothing(backoffice_app: Flask) -> None:
    """The review's second path: reset a coordinator's password and second factor, sign in."""
    first, _ = admin(backoffice_app)
    coordinator = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, coordinator.id)
    form_url = f"/accounts/{coordinator.id}"
    post_form(first, f"/accounts/{coordinator.id}/reset-second-factor", {}, form_url=form_url)
    page = post_form(first, f"/accounts/{coordinator.id}/reset-password", {}, form_url=form_url)
    password = shown_password(page.get_data(as_text=True))

    taken = first_sign_in(backoffice_app, coordinator.login, password)

    response = taken.get(f"/referrals/{referral_id}")
    assert response.status_code in (403, 404)
    assert PERSON_NAME not in response.get_data(as_text=True)


def test_the_owners_own_second_factor_reset_keeps_their_roles(backoffice_app: Flask) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    client = backoffice_app.test_client()
    sign_in(client, coordinator)

    post_form(
        client, "/account/second-factor/reset", {"current": coordinator.password},
        form_url="/account/",
    )  # fmt: skip

    assert load_user(backoffice_app, coordinator.id).roles == {"coordinator"}


def test_saving_the_form_again_keeps_a_role_waiting(backoffice_app: Flask) -> None:
    first, _ = admin(backoffice_app)
    second, _ = admin(backoffice_app)
    create_account(first, "newcomer", "liaison")
    user_id = account_id(backoffice_app, "newcomer")

    data = {"display_name": "影", "roles": ["liaison"], "active": "y"}
    assert post_form(second, f"/accounts/{user_id}", data).status_code == 302  # type: ignore[arg-type]

    assert load_user(backoffice_app, user_id).roles == set()


def test_the_pages_show_who_asked_and_who_may_approve(backoffice_app: Flask) -> None:
    first, granter = admin(backoffice_app)
    second, _ = admin(backoffice_app)
    create_account(first, "newcomer", "coordinator")
    user_id = account_id(backoffice_app, "newcomer")

    for client in (first, second):
        for url in ("/accounts/", f"/accounts/{user_id}"):
            html = client.get(url).get_data(as_text=True)
            assert "承認待ち" in html and f"依頼: 職員 {granter.login}" in html
    assert "承認する</button>" not in first.get(f"/accounts/{user_id}").get_data(as_text=True)
    assert "承認する</button>" in second.get(f"/accounts/{user_id}").get_data(as_text=True)
    assert "承認する</button>" in second.get("/accounts/").get_data(as_text=True)


def test_the_trail_names_roles_and_accounts_only(backoffice_app: Flask) -> None:
    first, _ = admin(backoffice_app)
    second, _ = admin(backoffice_app)
    create_account(first, "newcomer", "coordinator", "analyst")
    user_id = account_id(backoffice_app, "newcomer")
    approve(second, user_id, "coordinator")

    [pending] = events(backoffice_app, "staff.roles.pending")
    [approval] = events(backoffice_app, "staff.roles.approve")
    assert pending.reason == "granted: coordinator"
    assert approval.outcome == "success" and approval.object_id == str(user_id)
    assert approval.reason is not None and approval.reason.startswith("coordinator; granted by ")
    for event in (pending, approval):
        assert "newcomer" not in (event.reason or "") and "影" not in (event.reason or "")


def test_an_unknown_role_or_one_not_waiting_changes_nothing(backoffice_app: Flask) -> None:
    second, _ = admin(backoffice_app)
    staff = make_staff(backoffice_app, "coordinator")

    assert approve(second, staff.id, "no-such-role").status_code == 404
    response = approve(second, staff.id, "coordinator")

    assert "承認待ちではありません" in second.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert load_user(backoffice_app, staff.id).roles == {"coordinator"}


def test_roles_given_before_the_upgrade_stay_in_effect(tmp_path: Path) -> None:
    """Migration 0023 approves every existing role, so nobody loses access at the upgrade."""
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0021")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO staff_user (id, login, display_name, email, active,"
                    " password_hash, must_change_password, failed_logins, created_at, updated_at)"
                    " VALUES (1, 'old', '職員', '', true, 'x', false, 0, :now, :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
            connection.execute(
                text("INSERT INTO staff_role (user_id, role) VALUES (1, 'coordinator')")
            )

        command.upgrade(alembic_config(engine), "0023")

        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT approved_at, approved_by_id, granted_by_id FROM staff_role")
            ).one()
        engine.dispose()
    assert row.approved_at is not None and row.approved_by_id is row.granted_by_id is None


def test_the_form_shows_a_waiting_role_checked_so_saving_keeps_it(backoffice_app: Flask) -> None:
    first, _ = admin(backoffice_app)
    create_account(first, "newcomer", "coordinator")
    user_id = account_id(backoffice_app, "newcomer")

    html = first.get(f"/accounts/{user_id}").get_data(as_text=True)
    checked = re.findall(r'<input checked[^>]*name="roles"[^>]*value="([a-z]+)"', html)
    assert checked == ["coordinator"]
    data = {"display_name": "別の名前", "email": "", "roles": checked, "active": "y"}
    assert post_form(first, f"/accounts/{user_id}", data).status_code == 302  # type: ignore[arg-type]

    user = load_user(backoffice_app, user_id)
    assert user.granted_roles == {"coordinator"} and user.display_name == "別の名前"
    assert [row.role for row in user.pending_roles] == ["coordinator"]


def test_a_waiting_coordinator_is_not_offered_as_a_task_assignee(
    backoffice_app: Flask, session: Session
) -> None:
    client, _ = admin(backoffice_app)
    create_account(client, "waiting", "coordinator")
    approved = make_staff(backoffice_app, "coordinator")

    with backoffice_app.app_context():
        offered = {user.id for user in assignable_staff(session)}

    assert approved.id in offered
    assert account_id(backoffice_app, "waiting") not in offered
