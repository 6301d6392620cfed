"""What each edited value must be: the form's text in, a `Profile` or every problem out.

Every problem is in Japanese, keyed by the field it is about, and a refused edit changes
nothing. Text is read as a person types it: full-width digits and the dashes of a Japanese
keyboard are taken as the ASCII ones (NFKC), spaces around a value are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from backoffice.settings.fields import (
    EMERGENCY_LABEL_EN_LIMIT,
    EMERGENCY_LABEL_LIMIT,
    EMERGENCY_ROWS,
    LABELS,
    LIMITS,
    REQUIRED,
    WHOLE_NUMBERS,
)
from core.origins import is_loopback_origin, normalise_origin
from core.profile import MAX_PARTNER_ORIGINS, EmergencyNumber, Profile

DASHES = re.compile("[‐‑‒–—―−ーｰ]")
PHONE = re.compile(r"0\d{1,4}(?:-\d{1,4}){0,2}")
EMERGENCY_NUMBER = re.compile(r"#?\d[\d-]*\d")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PHONE_MESSAGE = "{label}は 0772-69-0350 のように、0 から始まる数字とハイフンで入力してください。"


class SettingsError(ValueError):
    """Values that cannot be saved: ``problems`` maps a field to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def edited_profile(
    current: Profile, raw: Mapping[str, Any], *, kinds: tuple[str, ...], production: bool
) -> Profile:
    """``current`` with the edited values of ``raw``, or `SettingsError` naming every problem.

    ``kinds`` are the training kinds that may be chosen; ``production`` refuses loopback
    partner origins (`core.origins`).
    """
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        values[name] = _text(raw, name, limit, problems)
    for name in ("phone", "fax"):
        values[name] = _phone(raw, name, problems)
    values["address_needs_check"] = bool(raw.get("address_needs_check"))
    values["dedicated_window_url"] = _url(values["dedicated_window_url"], problems)
    for name, (least, most) in WHOLE_NUMBERS.items():
        values[name] = _whole(raw, name, least, most, problems)
    values["emergency_numbers"] = _emergency(raw.get("emergency_numbers") or [], problems)
    values["training_required_kinds"] = _kinds(raw, kinds, problems)
    values["partner_origins"] = _origins(raw, production, problems)
    if problems:
        raise SettingsError(problems)
    return replace(current, **values)


def changed_fields(before: Profile, after: Profile) -> list[str]:
    """The editable fields whose values differ, in the page's order."""
    return [name for name in LABELS if getattr(before, name) != getattr(after, name)]


def _clean(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _text(raw: Mapping[str, Any], name: str, limit: int, problems: dict[str, str]) -> str:
    text, label = str(raw.get(name) or "").strip(), LABELS[name]
    if not text and name in REQUIRED:
        problems[name] = f"「{label}」を入力してください。"
    elif len(text) > limit:
        problems[name] = f"「{label}」は{limit}文字以内で入力してください。"
    elif CONTROL.search(text):
        problems[name] = f"「{label}」に改行や制御文字は使えません。1行で入力してください。"
    return text


def _phone(raw: Mapping[str, Any], name: str, problems: dict[str, str]) -> str:
    text = DASHES.sub("-", _clean(raw.get(name)))
    if not text:
        if name in REQUIRED:
            problems[name] = f"「{LABELS[name]}」を入力してください。"
        return ""
    digits = text.replace("-", "")
    if not PHONE.fullmatch(text) or not 10 <= len(digits) <= 11:
        problems[name] = PHONE_MESSAGE.format(label=f"「{LABELS[name]}」")
    return text


def _url(text: str, problems: dict[str, str]) -> str:
    if not text or "dedicated_window_url" in problems:
        return text
    parts = urlsplit(text)
    host_ok = parts.scheme == "https" and normalise_origin(f"https://{parts.netloc}") is not None
    if not host_ok or " " in text or parts.username or parts.password:
        problems["dedicated_window_url"] = (
            "アドレスは https://line.me/R/ti/p/@example のように、https:// から始まる"
            "ものを入力してください。"
        )
    return text


def _whole(
    raw: Mapping[str, Any], name: str, least: int, most: int, problems: dict[str, str]
) -> int:
    text = _clean(raw.get(name))
    if not (text.isascii() and text.isdigit() and len(text) <= 4 and least <= int(text) <= most):
        problems[name] = f"「{LABELS[name]}」は{least}から{most}までの整数で入力してください。"
        return least
    return int(text)


def _emergency(
    rows: list[Mapping[str, Any]], problems: dict[str, str]
) -> tuple[EmergencyNumber, ...]:
    found: list[EmergencyNumber] = []
    wrong: list[str] = []
    for index, row in enumerate(rows[:EMERGENCY_ROWS], start=1):
        number = DASHES.sub("-", _clean(row.get("number")))
        label = str(row.get("label") or "").strip()
        label_en = str(row.get("label_en") or "").strip()
        if not (number or label or label_en):
            continue
        digits = number.replace("-", "").lstrip("#")
        if not number or not label:
            wrong.append(f"{index}行目: 番号と名前をどちらも入力してください。")
        elif not EMERGENCY_NUMBER.fullmatch(number) or not 3 <= len(digits) <= 11:
            wrong.append(f"{index}行目: 番号は 119 や #7119 のように、数字で入力してください。")
        elif len(label) > EMERGENCY_LABEL_LIMIT or len(label_en) > EMERGENCY_LABEL_EN_LIMIT:
            wrong.append(
                f"{index}行目: 名前は{EMERGENCY_LABEL_LIMIT}文字以内、"
                f"英語の名前は{EMERGENCY_LABEL_EN_LIMIT}文字以内で入力してください。"
            )
        elif CONTROL.search(label + label_en):
            wrong.append(f"{index}行目: 改行や制御文字は使えません。")
        else:
            found.append(EmergencyNumber(number, label, label_en))
    if wrong:
        problems["emergency_numbers"] = " ".join(wrong)
    elif not found:
        problems["emergency_numbers"] = (
            "緊急時の連絡先を1件以上入力してください（例: 119 救急車・火事）。"
        )
    return tuple(found)


def _kinds(
    raw: Mapping[str, Any], kinds: tuple[str, ...], problems: dict[str, str]
) -> tuple[str, ...]:
    chosen = [str(k) for k in raw.get("training_required_kinds") or []]
    if not chosen or any(k not in kinds for k in chosen):
        problems["training_required_kinds"] = (
            "必須の研修に数える種類を、一覧から1つ以上選んでください。"
        )
        return ()
    return tuple(k for k in kinds if k in chosen)


def _origins(raw: Mapping[str, Any], production: bool, problems: dict[str, str]) -> tuple[str, ...]:
    origins: list[str] = []
    wrong: list[str] = []
    lines = str(raw.get("partner_origins") or "").splitlines()
    for index, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        origin = normalise_origin(line)
        if origin is None:
            wrong.append(
                f"{index}行目: https://www.city.example.lg.jp のように、https:// とホスト名"
                "（必要ならポート番号）だけを入力してください。パスや「*」は使えません。"
            )
        elif production and is_loopback_origin(origin):
            wrong.append(f"{index}行目: 本番環境では localhost や 127.0.0.1 は登録できません。")
        elif origin not in origins:
            origins.append(origin)
    if wrong:
        problems["partner_origins"] = " ".join(wrong)
    elif len(origins) > MAX_PARTNER_ORIGINS:
        problems["partner_origins"] = f"連携先サイトは{MAX_PARTNER_ORIGINS}件までです。"
    return tuple(origins)
