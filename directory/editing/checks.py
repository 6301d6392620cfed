"""The checks on what staff type: contact channels, web and mail addresses, a service's fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from directory.models import AREAS, AUDIENCES, CHANNEL_KINDS, COST_KINDS, PUBLICATION_STATES

PHONE = re.compile(r"^(?:#\d{4}|1\d{2}|0\d{1,4}-\d{1,6}(?:-\d{1,5})?|0\d{8,10})$")
LINE_ID = re.compile(r"^@[A-Za-z0-9._-]{2,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The English and easy-Japanese texts, and how long each may be (the English summary is one
# line; the others as long as their Japanese fields).
TEXT_LIMITS = {
    "name_en": 300,
    "audience_en": 1000,
    "summary_en": 300,
    "hours_note_en": 2000,
    "cost_note_en": 500,
    "summary_easy": 1000,
}
ENGLISH_FIELDS = ("name_en", "audience_en", "summary_en", "hours_note_en", "cost_note_en")
# Japanese punctuation, brackets and spaces (、。「」・　), and the full-width forms of ASCII
# （）：！？: English text takes the half-width ones, which break and space as Latin text should.
FULL_WIDTH = re.compile(r"[\u3000-\u303f\u30fb\uff01-\uff60\uffe0-\uffe6]")


def check_channel(kind: str, value: str) -> str | None:
    """Why a contact channel is not acceptable, or None. Only https, tel and LINE ids pass."""
    value = value.strip()
    if kind not in CHANNEL_KINDS:
        return "連絡方法の種類を選んでください。"
    if not value:
        return "番号やアドレスを入力してください。"
    if kind == "phone":
        return (
            None
            if PHONE.match(value)
            else "電話番号は 0120-000-000 や #8008 の形で入力してください。"
        )
    if kind == "email":
        return None if EMAIL.match(value) else "メールアドレスの形が正しくありません。"
    if kind in ("line", "sns") and LINE_ID.match(value):
        return None
    if kind == "in_person":
        return None
    return None if is_https(value) else "アドレスは https:// で始まるものだけ登録できます。"


def is_https(value: str) -> bool:
    return value.startswith("https://") and " " not in value and len(value) <= 500


def validate_service(values: Mapping[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not str(values.get("name", "")).strip():
        problems["name"] = "名称を入力してください。"
    if values.get("cost", "unknown") not in COST_KINDS:
        problems["cost"] = "料金の区分を選んでください。"
    if values.get("area", "national") not in AREAS:
        problems["area"] = "地域の区分を選んでください。"
    if values.get("status", "draft") not in PUBLICATION_STATES:
        problems["status"] = "公開の状態を選んでください。"
    if not set(values.get("audiences", [])) <= set(AUDIENCES):
        problems["audiences"] = "対象の区分が正しくありません。"
    url = str(values.get("url", "")).strip()
    if url and not is_https(url):
        problems["url"] = "ウェブサイトは https:// で始まるアドレスだけ登録できます。"
    email = str(values.get("email", "")).strip()
    if email and not EMAIL.match(email):
        problems["email"] = "メールアドレスの形が正しくありません。"
    return problems | text_problems(values)


def text_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Texts longer than their limit, and English ones with full-width punctuation."""
    problems: dict[str, str] = {}
    for field, limit in TEXT_LIMITS.items():
        text = str(values.get(field) or "")
        if len(text) > limit:
            problems[field] = f"{limit}文字以内で入力してください（いま{len(text)}文字です）。"
        elif field in ENGLISH_FIELDS and (found := english_problem(text)):
            problems[field] = found
    return problems


def english_problem(text: str) -> str | None:
    """Why an English text is refused, or None: it has full-width punctuation or brackets."""
    found = sorted(set(FULL_WIDTH.findall(text)))
    if not found:
        return None
    shown = " ".join(f"「{char}」" if char != "\u3000" else "全角スペース" for char in found)
    return (
        f"英語の欄には全角の記号を使えません（{shown}）。"
        "半角の記号 ( ) , . : や半角スペースに直してください。"
    )
