"""The two paths of a case, counted in actions (each fill, select, check and click is one; opening
a page by its address is not): the NPO's liaison hands a person over in at most 12, the city's
dedicated staff take the case from 受付 to 支援終了 with one contact and one link in at most 10.
Every page on the way is checked with axe."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Live, Watch, axe_violations
from tests.browser.test_backoffice import sign_in

pytestmark = pytest.mark.browser
SUMMARY = "家計改善支援窓口につなぎ、返済計画を一緒に立てた。"


@dataclass
class Actions:
    """Counts what a user does: each fill, select, check or click is one action."""

    count: int = 0

    def fill(self, target: Locator, value: str) -> None:
        target.fill(value)
        self.count += 1

    def select(self, target: Locator, value: str) -> None:
        target.select_option(value)
        self.count += 1

    def check(self, target: Locator) -> None:
        target.check()
        self.count += 1

    def click(self, target: Locator) -> None:
        target.click()
        self.count += 1


def hand_over(page: Page, live: Live, axe_source: str) -> tuple[str, int]:
    """The liaison's intake with consent; the case's address and the actions it took."""
    sign_in(page, live, "liaison")
    page.goto(live.url + "/staff/referrals/new")
    assert axe_violations(page, axe_source) == []
    act = Actions()
    act.check(page.get_by_label("本人から、市に引き継ぐことについて同意を得た"))
    act.fill(
        page.get_by_label("本人に示した同意の文言"),
        "市の担当者にあなたの連絡先と相談の概要を伝えます。",
    )
    act.check(page.get_by_role("checkbox", name="相談の概要を市と共有する"))
    act.fill(page.get_by_label("名前（仮名でもかまいません。任意）"), "丹後 つぐみ")
    act.fill(page.get_by_label("電話番号"), "090-5555-0199")
    act.select(page.get_by_label("お住まいの地区"), "網野町")
    act.check(page.get_by_label("借金・お金"))
    act.select(page.get_by_label("リスクの程度"), "medium")
    act.fill(page.locator("#summary"), "仕事を失い、返済の見通しが立たない。")
    act.click(page.get_by_role("button", name="登録して市に引き継ぐ"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("案件 R-")
    assert axe_violations(page, axe_source) == []
    return page.url, act.count


def test_a_liaison_hands_a_person_over_in_at_most_12_actions(
    page: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    _, actions = hand_over(page, live, axe_source)

    assert actions <= 12, actions
    assert watch.console_errors == []


def test_a_coordinator_takes_a_case_from_received_to_ended_in_at_most_10_actions(
    page: Page, desktop_page: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    case_url, _ = hand_over(page, live, axe_source)
    office = desktop_page
    sign_in(office, live, "coordinator")
    office.goto(case_url)
    assert axe_violations(office, axe_source) == []
    expect(office.get_by_label("担当する専任職員")).to_have_value("")
    act = Actions()

    act.click(office.get_by_role("button", name="自分が担当する（受け取り確認も記録します）"))
    expect(office.get_by_text("受け取り未確認")).to_have_count(0)

    contact = office.locator("form[action$='/contacts']")
    expect(contact.get_by_label("あわせて状態を『初回連絡』にする")).to_be_checked()
    act.select(contact.get_by_label("結果"), "reached")
    act.click(contact.get_by_role("button", name="連絡を記録する"))
    expect(office.get_by_role("heading", level=1)).to_contain_text("初回連絡")
    assert axe_violations(office, axe_source) == []

    link = office.locator("form[action$='/links/new']")
    act.fill(link.get_by_label("一覧にない機関の名前"), "家計改善支援窓口")
    act.check(link.get_by_label("同意の記録にない機関について", exact=False))
    act.click(link.get_by_role("button", name="つなぎ先を記録する"))
    expect(office.locator("li", has_text="家計改善支援窓口")).to_be_visible()

    end = office.locator("form[action$='/status']", has=office.get_by_label("終了の理由"))
    act.select(end.get_by_label("終了の理由"), "connected")
    act.fill(end.get_by_label("支援のまとめ", exact=False), SUMMARY)
    act.click(end.get_by_role("button", name="支援を終了する"))
    expect(office.get_by_role("heading", level=1)).to_contain_text("支援終了")
    assert axe_violations(office, axe_source) == []

    assert act.count <= 10, act.count
    closing = office.get_by_role("region", name="支援終了", exact=True)
    expect(closing).to_contain_text(SUMMARY)
    expect(closing).to_contain_text("関係機関の支援に引き継いだ")
    expect(closing).to_contain_text("フォローアップ期日")

    # The liaison, whose person agreed to share the summary, reads what help was arranged.
    page.goto(case_url)
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page.get_by_text("家計改善支援窓口", exact=False).first).to_be_visible()
    assert axe_violations(page, axe_source) == []
    assert watch.console_errors == []
