"""Outreach (プッシュ型支援) in the browser, the whole path: information from an agency (a new
subject) → a planned home visit → the visit recorded done with cards handed out → the subject
agrees → a referral opened from the subject (the intake filled in, the consent ticked by staff)
→ both records link to each other. The raw outreach tables hold none of the person's name, phone
or notes in plaintext; every outreach page on the way is checked with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    CardHandout,
    OutreachContact,
    OutreachExport,
    OutreachMatch,
    OutreachStatusChange,
    OutreachSubject,
    SubjectCounter,
)
from cards.batches import create_batch
from cards.designs import get_design
from core.db import get_engine
from core.timezone import tokyo_today
from tests.browser.conftest import Live, Watch, axe_violations
from tests.browser.test_backoffice import sign_in

pytestmark = pytest.mark.browser

NAME, KANA, PHONE = "久美浜 ふみ", "くみはま ふみ", "0772-82-4417"
KNOWN = "夫を亡くしてから外に出なくなり、郵便受けに手紙がたまっている"
NOTE = "玄関先で十分ほど話せた。家賃の滞納を気にしている"
NEXT_STEP = "来週、家計の相談窓口の案内を持って再訪する"
OUTREACH_TABLES = [
    model.__tablename__
    for model in (OutreachSubject, OutreachStatusChange, OutreachContact, CardHandout,
                  OutreachMatch, OutreachExport, SubjectCounter)
]  # fmt: skip


def card_batch(live: Live) -> int:
    """A batch of printed cards to hand out at the visit, made as the cards page makes one."""
    with Session(get_engine(live.app)) as db, db.begin():
        design = get_design(db)
        assert design is not None
        batch = create_batch(db, design=design, purpose="home_visit", quantity=40, actor=None)
        return batch.id


def axe_clean(page: Page, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == [], page.url


def raw_outreach_rows(live: Live) -> str:
    """Every row of every outreach table as the database returns it, as one string."""
    with Session(get_engine(live.app)) as db:
        return " ".join(
            str(tuple(row))
            for table in OUTREACH_TABLES
            for row in db.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
        )


def test_agency_information_to_a_visit_with_cards_to_a_linked_referral(
    desktop_page: Page, live: Live, axe_source: str, watch: Watch
) -> None:
    page = desktop_page
    batch_id = card_batch(live)
    today = tokyo_today().isoformat()
    sign_in(page, live, "coordinator")

    # Information from an agency: a new subject.
    page.goto(live.url + "/staff/outreach/")
    axe_clean(page, axe_source)
    page.get_by_role("link", name="情報提供を記録する（新しい対象者）").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("情報提供の記録（プッシュ型支援）")
    axe_clean(page, axe_source)
    expect(page.get_by_label("情報提供を受けた日")).to_have_value(today)
    page.get_by_label("情報提供元の種類").select_option("welfare_volunteer")
    page.get_by_label("機関名（一覧にないとき）").fill("久美浜地区民生委員")
    page.get_by_label("情報を伝えてくれた人（担当者名など）").fill("民生委員 森")
    page.get_by_label("氏名（分かれば）").fill(NAME)
    page.get_by_label("よみがな").fill(KANA)
    page.get_by_label("電話番号").fill(PHONE)
    page.get_by_label("地区").select_option("久美浜町")
    page.get_by_label("借金・お金").check()
    page.get_by_label("分かっていること（情報提供の内容）").fill(KNOWN)
    page.get_by_label("本人の同意なく情報を保有する根拠").select_option("life_body")
    page.get_by_role("button", name="保存する").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("対象者 P-")
    expect(heading).to_contain_text("情報提供受付")
    expect(page.get_by_text("生命・身体の保護のため必要")).to_be_visible()
    axe_clean(page, axe_source)
    subject_url = page.url
    subject_id = int(subject_url.rsplit("/", 1)[1])

    # A planned home visit: the subject moves to 訪問予定.
    page.locator("#kind").select_option("home_visit")
    page.locator("#planned_on").fill(today)
    page.get_by_role("button", name="記録する", exact=True).click()
    expect(page.get_by_text("訪問・連絡を記録しました。")).to_be_visible()
    expect(heading).to_contain_text("訪問予定")
    axe_clean(page, axe_source)

    # The visit recorded done, with cards of the batch handed out: 訪問済.
    page.get_by_role("link", name="実施を記録する").click()
    expect(page.get_by_role("heading", name="予定していた訪問・連絡の結果")).to_be_visible()
    axe_clean(page, axe_source)
    page.locator("#done-done_on").fill(today)
    page.locator("#done-result").select_option("met")
    page.locator("#done-note").fill(NOTE)
    page.locator("#done-next_step").fill(NEXT_STEP)
    page.locator("#done-batch_id").select_option(str(batch_id))
    page.locator("#done-cards").fill("2")
    page.get_by_role("button", name="結果を記録する").click()
    expect(page.get_by_text("実施した結果を記録しました。")).to_be_visible()
    expect(heading).to_contain_text("訪問済")
    visits = page.get_by_role("table", name="訪問・連絡の記録")
    expect(visits).to_contain_text("会えた")
    expect(visits).to_contain_text("× 2")
    axe_clean(page, axe_source)

    # The subject agrees: the referral intake opens with the subject's record filled in; the
    # consent is not ticked until staff tick it.
    page.get_by_role("link", name="つなぎ支援の受付を開く").click()
    expect(page.get_by_text("プッシュ型支援の対象者 P-")).to_be_visible()
    expect(page.get_by_label("名前（仮名でもかまいません。任意）")).to_have_value(NAME)
    expect(page.get_by_label("電話番号")).to_have_value(PHONE)
    expect(page.get_by_label("お住まいの地区")).to_have_value("久美浜町")
    expect(page.get_by_label("借金・お金")).to_be_checked()
    consent = page.get_by_label("本人から、市に引き継ぐことについて同意を得た")
    expect(consent).not_to_be_checked()
    consent.check()
    page.get_by_label("本人に示した同意の文言").fill("市の担当者にあなたの連絡先を伝えます。")
    page.locator("#share_basic").check()
    page.get_by_label("リスクの程度").select_option("medium")
    page.get_by_role("button", name="登録して市に引き継ぐ").click()

    # Both records link to each other.
    expect(page.get_by_role("heading", level=1)).to_contain_text("案件 R-")
    source = page.get_by_role("link", name="P-", exact=False).first
    expect(source).to_have_attribute("href", f"/staff/outreach/{subject_id}")
    case_url = page.url
    source.click()
    expect(page).to_have_url(subject_url)
    expect(heading).to_contain_text("つなぎ完了")
    page.get_by_role("link", name="つなぎ支援の案件を開く").click()
    expect(page).to_have_url(case_url)
    page.goto(subject_url)
    axe_clean(page, axe_source)

    with Session(get_engine(live.app)) as db:
        subject = db.get(OutreachSubject, subject_id)
        assert subject is not None and subject.linked_referral_id is not None
        assert (subject.person_name, subject.phone, subject.known) == (NAME, PHONE, KNOWN)
        [visit] = subject.contacts  # planned, then recorded done
        assert (visit.planned_on, visit.done_on, visit.note) == (visit.done_on, tokyo_today(), NOTE)
        assert [c.to_status for c in subject.status_changes] == [
            "visit_planned", "visited", "connected"
        ]  # fmt: skip
        handed = db.query(CardHandout).filter_by(contact_id=visit.id).one()
        assert (handed.batch_id, handed.count, handed.kind) == (batch_id, 2, "visit")

    raw = raw_outreach_rows(live)
    assert subject.subject_number in raw  # the check does read the outreach rows
    digits = PHONE.replace("-", "")
    for plain in (NAME, KANA, PHONE, digits, KNOWN, NOTE, NEXT_STEP, "民生委員 森"):
        assert plain not in raw, plain
    assert watch.console_errors == []
    assert watch.foreign_requests == []
