"""The back office in a real browser: sign in with password and TOTP, and accessible pages."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import get_engine
from directory.models import Service, TaxonomyTerm
from tests.browser.conftest import Live, Watch, axe_violations
from tests.staff import make_staff

pytestmark = pytest.mark.browser


def sign_in(page: Page, live: Live, *roles: str) -> None:
    staff = make_staff(live.app, *roles)
    page.goto(live.url + "/staff/")
    expect(page).to_have_url(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(staff.login)
    page.get_by_label("パスワード").fill(staff.password)
    page.get_by_role("button", name="次へ").click()
    expect(page).to_have_url(live.url + "/staff/login/code")
    page.get_by_label("確認コード").fill(pyotp.TOTP(staff.secret or "").now())
    page.get_by_role("button", name="ログイン").click()


def test_sign_in_with_password_and_code_reaches_the_dashboard(
    page: Page, live: Live, watch: Watch
) -> None:
    sign_in(page, live, "coordinator")

    expect(page).to_have_url(live.url + "/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ダッシュボード")
    assert watch.console_errors == []
    assert watch.foreign_requests == []


def test_signing_out_returns_to_the_sign_in_page(page: Page, live: Live) -> None:
    sign_in(page, live, "analyst")

    page.get_by_role("button", name="ログアウト").click()

    expect(page).to_have_url(live.url + "/staff/login")
    page.goto(live.url + "/staff/")
    expect(page).to_have_url(live.url + "/staff/login")


def test_enrolment_page_is_accessible(page: Page, live: Live, axe_source: str) -> None:
    staff = make_staff(live.app, "editor", enrolled=False)
    page.goto(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(staff.login)
    page.get_by_label("パスワード").fill(staff.password)
    page.get_by_role("button", name="次へ").click()

    expect(page).to_have_url(live.url + "/staff/login/enrol")
    expect(page.get_by_role("img", name="二段階認証の登録用QRコード")).to_be_visible()
    assert axe_violations(page, axe_source) == []


@pytest.mark.parametrize(
    "path",
    ["/staff/cards/", "/staff/cards/designs/standard", "/staff/cards/designs/new",
     "/staff/cards/batches/new",
     "/staff/cards/batches/1"],
)  # fmt: skip
def test_card_pages_are_accessible(
    page: Page, live: Live, axe_source: str, watch: Watch, path: str
) -> None:
    sign_in(page, live, "editor")

    page.goto(live.url + path)

    assert axe_violations(page, axe_source) == []
    assert watch.console_errors == []


@pytest.mark.parametrize(
    "path",
    ["/staff/", "/staff/account/", "/staff/accounts/", "/staff/accounts/new", "/staff/audit/"],
)
def test_back_office_pages_are_accessible(
    page: Page, live: Live, axe_source: str, watch: Watch, path: str
) -> None:
    sign_in(page, live, "admin", "auditor")

    page.goto(live.url + path)

    assert axe_violations(page, axe_source) == []
    assert watch.console_errors == []


def test_a_service_page_lists_the_terms_another_system_filed_it_under(
    page: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    with Session(get_engine(live.app)) as session, session.begin():
        service = session.scalars(select(Service).where(Service.status == "published")).first()
        assert service is not None
        term = session.get(TaxonomyTerm, "term-browser") or TaxonomyTerm(
            id="term-browser", taxonomy="AIRS/211", code="BD-1800.2000", name="Food Pantries"
        )
        service.other_terms = [term]
        service_id = service.id
    sign_in(page, live, "editor")

    page.goto(f"{live.url}/staff/directory/services/{service_id}")

    block = page.locator("#other-terms")
    expect(block).to_contain_text("取り込み元の分類")
    expect(block).to_contain_text("AIRS/211 / Food Pantries（BD-1800.2000）")
    assert axe_violations(page, axe_source) == []
    assert watch.console_errors == []
