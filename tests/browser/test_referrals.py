"""The whole referral path in a real browser: the NPO's liaison hands a person over with consent,
the city's dedicated staff take the case through to the end of support, the liaison records the
follow-up; then the audit chain verifies and the database holds no name in plain text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.audit import verify_chain
from core.db import get_engine
from tests.browser.conftest import Live, Watch, axe_violations
from tests.browser.test_backoffice import sign_in

pytestmark = pytest.mark.browser
NAME = "由良 つぐみ"


def test_liaison_to_coordinator_to_follow_up(
    page: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    # The liaison registers the handoff, with the person's consent.
    sign_in(page, live, "liaison")
    page.goto(live.url + "/staff/referrals/new")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("本人から、市に引き継ぐことについて同意を得た").check()
    page.get_by_label("本人に示した同意の文言").fill(
        "市の担当者にあなたの連絡先と相談の概要を伝えます。"
    )
    page.get_by_role("checkbox", name="相談の概要を市と共有する").check()
    page.get_by_label("名前（仮名でもかまいません。任意）").fill(NAME)
    page.get_by_label("電話番号").fill("090-5555-0101")
    page.get_by_label("お住まいの地区").select_option("網野町")
    page.get_by_label("借金・お金").check()
    page.get_by_label("リスクの程度").select_option("high")
    page.get_by_label("緊急（すぐに連絡が必要）").check()
    page.locator("#summary").fill("仕事を失い、返済の見通しが立たない。")
    page.get_by_role("button", name="登録して市に引き継ぐ").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("案件 R-")
    case_url = page.url
    case_number = re.search(r"R-\d{4}-\d{4}", page.content()).group(0)  # type: ignore[union-attr]
    liaison = page

    # The coordinator, in a browser of their own, takes the case and works it through.
    browser = page.context.browser
    assert browser is not None
    page = browser.new_context(locale="ja-JP").new_page()
    sign_in(page, live, "coordinator")
    page.goto(case_url)
    assert axe_violations(page, axe_source) == []
    expect(page.get_by_label("担当する専任職員")).to_have_value("")  # nobody is chosen for them
    page.get_by_role("button", name="自分が担当する（受け取り確認も記録します）").click()
    # Taking the case oneself is its acknowledgement.
    expect(page.get_by_text("この案件を担当し、受け取りを確認しました。")).to_be_visible()

    contact = page.locator("form[action$='/contacts']")
    expect(contact.get_by_label("日時")).not_to_have_value("")  # now, unless changed
    contact.get_by_label("結果").select_option("reached")
    contact.get_by_role("button", name="連絡を記録する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("初回連絡")

    page.get_by_role("link", name="支援会議を記録する").click()
    page.get_by_label("開催日").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("そのほかの参加機関（一覧にない機関。1行に1機関）").fill(
        "地域包括支援センター"
    )
    page.get_by_label("議題").fill("家計の立て直し")
    page.get_by_label(re.compile("同意の記録にない機関について")).check()
    page.get_by_role("button", name="保存する").click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_role("link", name="印刷用の議事録")).to_be_visible()
    link = page.locator("form[action$='/links/new']")
    link.get_by_label("一覧にない機関の名前").fill("家計改善支援窓口")
    link.get_by_label("日付").fill(datetime.now(UTC).date().isoformat())
    link.get_by_label("状態", exact=True).select_option("connected")
    link.get_by_label(re.compile("同意の記録にない機関について")).check()
    link.get_by_role("button", name="つなぎ先を記録する").click()
    expect(page).to_have_url(case_url)
    expect(page.locator("li", has_text="家計改善支援窓口")).to_be_visible()
    for status in ("支援調整中", "支援中"):
        _status(page, status)
    form = page.locator("form[action$='/status']", has=page.get_by_label("終了の理由"))
    form.get_by_label("終了の理由").select_option("connected")
    form.get_by_role("button", name="支援を終了する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("支援終了")

    # Another liaison does not even see the case in their list.
    other = browser.new_context(locale="ja-JP").new_page()
    sign_in(other, live, "liaison")
    other.goto(live.url + "/staff/referrals/")
    expect(other.get_by_text(case_number)).to_have_count(0)

    # The liaison who made it records the follow-up after support ended.
    liaison.goto(case_url)
    liaison.get_by_label("フォローアップの日").fill(datetime.now(UTC).date().isoformat())
    liaison.locator("form[action$='/follow-ups'] textarea").fill("仕事が見つかり、落ち着いている。")
    liaison.get_by_role("button", name="フォローアップを記録する").click()
    expect(liaison.get_by_text("仕事が見つかり、落ち着いている。")).to_be_visible()
    assert watch.console_errors == []

    with Session(get_engine(live.app)) as session:
        assert verify_chain(session).ok
        for table in ("referral", "referral_progress_note", "referral_consent"):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert NAME not in repr(rows)
            assert "090-5555-0101" not in repr(rows)


def _status(page: Page, label: str) -> None:
    form = page.locator("form[action$='/status']", has=page.get_by_label("新しい状態"))
    form.get_by_label("新しい状態").select_option(label=label)
    form.get_by_role("button", name="状態を変更する").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)


@pytest.mark.parametrize("path", ["/staff/", "/staff/referrals/", "/staff/referrals/supervision"])
def test_case_work_lists_are_accessible(
    page: Page, live: Live, axe_source: str, watch: Watch, path: str
) -> None:
    sign_in(page, live, "supervisor")

    page.goto(live.url + path)

    assert axe_violations(page, axe_source) == []
    assert watch.console_errors == []
