"""The NPO liaison's side in a real browser: the dashboard with their cases, the follow-ups due and
what the city shared, the shared minutes; and the city's "my work" list and minutes page. Each
page is accessible (axe), on a phone and on a desktop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlalchemy.orm import Session

from backoffice.referrals.casework import MeetingParticipant, ProgressNote, SupportMeeting
from backoffice.referrals.models import Referral
from core.db import get_engine
from core.timezone import in_tokyo
from tests.browser.conftest import Live, axe_violations
from tests.referrals import make_referral
from tests.staff import Staff, make_staff

pytestmark = pytest.mark.browser


def _sign_in(page: Page, live: Live, staff: Staff) -> None:
    page.goto(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(staff.login)
    page.get_by_label("パスワード").fill(staff.password)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(staff.secret or "").now())
    page.get_by_role("button", name="ログイン").click()


def _liaisons_cases(live: Live) -> tuple[Staff, Staff, str]:
    """A liaison with a case in support, one whose follow-up is due, a shared note and shared
    minutes; a coordinator. Returns (liaison, coordinator, the staff's minutes page)."""
    liaison = make_staff(live.app, "liaison")
    coordinator = make_staff(live.app, "coordinator")
    now = datetime.now(UTC)
    open_case = make_referral(live.app, liaison.id)
    ended = make_referral(live.app, liaison.id)
    with Session(get_engine(live.app)) as db, db.begin():
        # Acknowledged: the live database is shared, and other tests count new referrals.
        db.execute(update(Referral).where(Referral.id == open_case).values(acknowledged_at=now))
        db.execute(
            update(Referral).where(Referral.id == ended).values(
                acknowledged_at=now - timedelta(days=40),
                status="ended", ended_at=now - timedelta(days=31),
                follow_up_due_on=in_tokyo(now).date() - timedelta(days=1),
            )
        )  # fmt: skip
        note = "家計相談の予約が取れました。"
        db.add(ProgressNote(referral_id=open_case, author_id=coordinator.id, body=note,
                            shared_with_liaison=True))  # fmt: skip
        meeting = SupportMeeting(
            referral_id=open_case, held_on=in_tokyo(now).date(), agencies=["社会福祉協議会"],
            agenda="生活の立て直し", decisions="家計相談につなぐ", recorded_by_id=coordinator.id,
            shared_with_liaison=True,
        )  # fmt: skip
        db.add(meeting)
        db.flush()
        db.add(MeetingParticipant(meeting_id=meeting.id, staff_user_id=liaison.id))
        minutes = f"/staff/referrals/{open_case}/meetings/{meeting.id}/minutes"
        return liaison, coordinator, minutes


@pytest.mark.parametrize("wide", [False, True], ids=["phone", "desktop"])
def test_the_liaisons_dashboard_and_shared_minutes_are_accessible(
    page: Page, desktop_page: Page, live: Live, axe_source: str, wide: bool
) -> None:
    view = desktop_page if wide else page
    liaison, _, _ = _liaisons_cases(live)
    _sign_in(view, live, liaison)

    expect(view.get_by_role("heading", name="つなぎ支援: 自分の案件")).to_be_visible()
    expect(view.get_by_text("フォローアップ期日が近い案件（支援終了）（1件）")).to_be_visible()
    expect(view.get_by_text("市から共有された経過記録（1件）")).to_be_visible()
    expect(view.get_by_text("期日です")).to_be_visible()
    assert axe_violations(view, axe_source) == []
    view.get_by_role("link", name="の議事録").first.click()

    expect(view.get_by_role("heading", name="支援会議の議事録（市から共有）")).to_be_visible()
    expect(view.get_by_text("家計相談につなぐ")).to_be_visible()
    assert "/staff/referrals/minutes/" in view.url
    assert axe_violations(view, axe_source) == []


def test_the_citys_my_work_list_and_minutes_page_are_accessible(
    desktop_page: Page, live: Live, axe_source: str
) -> None:
    _, coordinator, minutes = _liaisons_cases(live)
    _sign_in(desktop_page, live, coordinator)
    desktop_page.get_by_role("link", name="自分の案件").first.click()

    expect(desktop_page.get_by_role("heading", name="自分の案件", level=1)).to_be_visible()
    assert axe_violations(desktop_page, axe_source) == []
    desktop_page.get_by_label("並べ順").select_option("due")
    desktop_page.get_by_role("button", name="さがす").click()
    expect(desktop_page.get_by_role("columnheader", name="次の期限")).to_be_visible()
    assert "view=mine" in desktop_page.url and "sort=due" in desktop_page.url
    desktop_page.goto(live.url + minutes)
    expect(desktop_page.get_by_role("heading", name="つなぎ支援員との共有")).to_be_visible()
    assert axe_violations(desktop_page, axe_source) == []
    desktop_page.get_by_role("button", name="共有の設定を保存する").click()
    expect(desktop_page.get_by_text("議事録をつなぎ支援員と共有しました。")).to_be_visible()
