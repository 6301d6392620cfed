"""The notifications list in a real browser: accessible, on a phone and on a desktop."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from backoffice.notifications import due
from core.db import get_engine, utcnow
from tests.browser.conftest import Live, axe_violations
from tests.referrals import make_referral
from tests.staff import make_staff

pytestmark = pytest.mark.browser
# Other browser tests share the live database: their cases may be counted too.
UNREAD = re.compile(r"^お知らせ \d+件$")


def test_the_notifications_list_is_accessible(page: Page, live: Live, axe_source: str) -> None:
    coordinator = make_staff(live.app, "coordinator")
    make_referral(live.app, make_staff(live.app, "liaison").id)
    with Session(get_engine(live.app)) as session, session.begin():
        due.collect(session, utcnow(), hours=4)

    page.goto(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(coordinator.login)
    page.get_by_label("パスワード").fill(coordinator.password)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(coordinator.secret or "").now())
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name=UNREAD).click()

    expect(page.get_by_role("heading", name="お知らせ", exact=True)).to_be_visible()
    # Other tests' cases may be listed too: ours is one of the new referrals.
    expect(page.get_by_role("cell", name="新しい引き継ぎ", exact=True).first).to_be_visible()
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="すべて既読にする").click()
    expect(page.get_by_role("link", name=UNREAD)).to_have_count(0)
    assert axe_violations(page, axe_source) == []
