"""What each field of 自治体の設定 must be: every refused value is named in Japanese beside its
field, and a refused edit changes nothing. The rules run without a request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.settings.checks import SettingsError, changed_fields, edited_profile
from backoffice.training.vocabulary import KIND_LABELS
from backoffice.views.settings.forms import raw_of
from core.audit import AuditEvent
from core.config import DEFAULT_PROFILE
from core.profile import (
    ProfileError,
    get_profile,
    profile_fingerprint,
    profile_from_mapping,
    read_profile_file,
)
from tests.settings_forms import preview
from tests.staff import signed_in_client

KINDS = tuple(KIND_LABELS.values())
PROFILE = read_profile_file(DEFAULT_PROFILE)


def edit(production: bool = False, **changes: Any):
    return edited_profile(
        PROFILE, {**raw_of(PROFILE), **changes}, kinds=KINDS, production=production
    )


def problems_of(production: bool = False, **changes: Any) -> dict[str, str]:
    with pytest.raises(SettingsError) as raised:
        edit(production, **changes)
    return raised.value.problems


REFUSED = [
    ("name", "", "「自治体名」を入力してください"),
    ("name", "京" * 41, "40文字以内"),
    ("name_en", "K" * 81, "80文字以内"),
    ("section", "", "「担当課」を入力してください"),
    ("section", "健康推進課\n別の行", "改行や制御文字"),
    ("section_en", "S" * 161, "160文字以内"),
    ("phone", "", "「担当課の電話番号」を入力してください"),
    ("phone", "call us", "0 から始まる数字とハイフン"),
    ("phone", "0772-69", "0 から始まる数字とハイフン"),
    ("phone", "1772-69-0350", "0 から始まる数字とハイフン"),
    ("fax", "0772-62-115", "「担当課のFAX番号」は"),
    ("address", "住" * 121, "120文字以内"),
    ("partner_name", "N" * 81, "80文字以内"),
    ("dedicated_window_name", "", "「専用相談窓口の名前」を入力してください"),
    ("dedicated_window_name_en", "W" * 121, "120文字以内"),
    ("dedicated_window_channel", "", "「専用相談窓口の手段」を入力してください"),
    ("dedicated_window_url", "http://line.me/R/ti/p/@city", "https:// から始まる"),
    ("dedicated_window_url", "javascript:alert(1)", "https:// から始まる"),
    ("dedicated_window_url", "https://user:pw@line.me/x", "https:// から始まる"),
    ("dedicated_window_url", "https://line.me/" + "x" * 490, "500文字以内"),
    ("dedicated_window_hours", "時" * 101, "100文字以内"),
    ("retention_years", "0", "1から30までの整数"),
    ("retention_years", "five", "1から30までの整数"),
    ("retention_years", "31", "1から30までの整数"),
    ("statistics_minimum_batch", "0", "1から1000までの整数"),
    ("statistics_publication_threshold", "1", "2から100までの整数"),
    ("training_required_per_fiscal_year", "-1", "0から12までの整数"),
    ("training_material_max_mb", "101", "1から100までの整数"),
    ("training_required_kinds", [], "1つ以上選んで"),
    ("training_required_kinds", ["講演会"], "一覧から"),
    ("partner_origins", "https://city.example.jp/widget", "1行目"),
    ("partner_origins", "https://ok.example.jp\nhttp://city.example.jp", "2行目"),
    ("partner_origins", "https://*.example.jp", "「*」は使えません"),
    ("partner_origins", "\n".join(f"https://p{i}.example.jp" for i in range(21)), "20件まで"),
]


@pytest.mark.parametrize(("name", "value", "message"), REFUSED)
def test_each_field_refuses_what_it_cannot_hold(name: str, value: Any, message: str) -> None:
    problems = problems_of(**{name: value})

    assert list(problems) == [name]
    assert message in problems[name]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "1件以上入力"),
        ([{"number": "119", "label": ""}], "1行目: 番号と名前をどちらも"),
        ([{"number": "", "label": "救急車"}], "1行目: 番号と名前をどちらも"),
        ([{"number": "11", "label": "救急車"}], "1行目: 番号は 119 や #7119"),
        ([{"number": "119", "label": "救急車"}, {"number": "1-1-0", "label": "x" * 21}], "2行目"),
        ([{"number": "ab", "label": "警察"}], "数字で入力"),
    ],
)
def test_emergency_numbers_are_checked_row_by_row(rows: list[dict[str, str]], message: str) -> None:
    problems = problems_of(emergency_numbers=rows)

    assert message in problems["emergency_numbers"]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(name="", phone="x", retention_years="", partner_origins="ftp://x")

    assert set(problems) == {"name", "phone", "retention_years", "partner_origins"}


def test_values_are_read_as_typed_on_a_japanese_keyboard() -> None:
    profile = edit(phone="０７７２－６９－０３５０", retention_years="７", fax="0772ー62ー1156")

    assert (profile.phone, profile.retention_years, profile.fax) == (
        "0772-69-0350",
        7,
        "0772-62-1156",
    )


def test_loopback_origins_are_for_development_only() -> None:
    local = "http://127.0.0.1:8000\nhttp://localhost:3000"

    assert edit(partner_origins=local).partner_origins == (
        "http://127.0.0.1:8000",
        "http://localhost:3000",
    )
    assert "本番環境では" in problems_of(production=True, partner_origins=local)["partner_origins"]


def test_only_edited_fields_change_and_are_named() -> None:
    edited = edit(phone="0772-69-1234", training_required_kinds=["研修", "情報交換会"])

    assert changed_fields(PROFILE, edited) == ["phone", "training_required_kinds"]
    assert (edited.slug, edited.districts, edited.source) == (
        PROFILE.slug,
        PROFILE.districts,
        PROFILE.source,
    )
    assert changed_fields(PROFILE, edit()) == []


# ---- the profile file keeps the same rules for partner origins ---------------------------------


def test_the_profile_file_may_list_partner_origins() -> None:
    raw = {
        **_file_mapping(),
        "partner_origins": ["https://City.example.jp/", "http://localhost:8000"],
    }

    profile = profile_from_mapping(raw)

    assert profile.partner_origins == ("https://city.example.jp", "http://localhost:8000")
    assert profile.frame_origins(production=False) == profile.partner_origins
    assert profile.frame_origins(production=True) == ("https://city.example.jp",)


@pytest.mark.parametrize(
    "origins",
    ["https://city.example.jp", ["https://city.example.jp/path"], ["http://city.example.jp"]],
)
def test_the_profile_file_refuses_what_is_not_an_origin(origins: Any) -> None:
    with pytest.raises(ProfileError, match="partner_origins"):
        profile_from_mapping({**_file_mapping(), "partner_origins": origins})


def _file_mapping() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))


# ---- on the page: the message beside the field, nothing changed ----------------------------


@pytest.fixture
def admin(backoffice_app: Flask, demo: Session) -> FlaskClient:
    return signed_in_client(backoffice_app, "admin")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("phone", "電話してください", "0 から始まる数字とハイフン"),
        ("retention_years", "100", "1から30までの整数"),
        ("partner_origins", "https://city.example.jp/embed", "パスや「*」は使えません"),
        ("emergency_numbers-0-number", "", "番号と名前をどちらも"),
    ],
)
def test_a_refused_value_is_shown_beside_its_field_and_changes_nothing(
    admin: FlaskClient, demo: Session, name: str, value: str, message: str
) -> None:
    before = profile_fingerprint(get_profile(demo, PROFILE))

    response = preview(admin, **{name: value})

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and 'class="field-error"' in html
    assert "確認（まだ保存していません）" not in html
    demo.expire_all()
    assert profile_fingerprint(get_profile(demo, PROFILE)) == before
    assert (
        demo.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "settings.profile.update")
        )
        == 0
    )


def test_a_window_name_the_card_cannot_hold_is_refused(admin: FlaskClient) -> None:
    response = preview(admin, dedicated_window_name="とても長い窓口の名前" * 6)

    assert response.status_code == 400
    assert "案内カードに入りきりません" in response.get_data(as_text=True)
