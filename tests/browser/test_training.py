"""研修・情報交換会 in a real browser: a coordinator records a meeting with a participant and a
PDF, then finds it in their own history; every page on the way is accessible (axe)."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Live, axe_violations
from tests.staff import make_staff
from tests.training import pdf_bytes

pytestmark = pytest.mark.browser


def test_record_a_meeting_with_a_pdf_and_see_it_in_my_history(
    page: Page, live: Live, axe_source: str, tmp_path: Path
) -> None:
    coordinator = make_staff(live.app, "coordinator")
    page.goto(live.url + "/staff/login")
    page.get_by_label("ログインID").fill(coordinator.login)
    page.get_by_label("パスワード").fill(coordinator.password)
    page.get_by_role("button", name="次へ").click()
    page.get_by_label("確認コード").fill(pyotp.TOTP(coordinator.secret or "").now())
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("link", name="研修・情報交換会").first.click()
    assert axe_violations(page, axe_source) == []
    page.get_by_role("link", name="新しい会を記録する").click()
    page.get_by_label("開催日").fill("2026-06-01")
    page.get_by_label("種類").select_option("training")
    page.get_by_label("主催").select_option("joint")
    page.get_by_label("題名").fill("ゲートキーパー研修（ブラウザ）")
    page.get_by_label(f"職員 {coordinator.login}").check()
    page.get_by_label("機関名 1").fill("京丹後保健所")
    page.get_by_label("人数 1").fill("4")
    assert axe_violations(page, axe_source) == []
    page.get_by_role("button", name="保存する").click()

    expect(page.get_by_role("heading", name="ゲートキーパー研修（ブラウザ）")).to_be_visible()
    material = tmp_path / "資料.pdf"
    material.write_bytes(pdf_bytes())
    page.get_by_label("資料（PDF）").set_input_files(str(material))
    page.get_by_role("button", name="資料を添付する").click()
    expect(page.get_by_role("link", name="資料.pdf")).to_be_visible()
    assert axe_violations(page, axe_source) == []

    page.goto(live.url + "/staff/training/mine")
    expect(page.get_by_role("link", name="ゲートキーパー研修（ブラウザ）")).to_be_visible()
    assert axe_violations(page, axe_source) == []
