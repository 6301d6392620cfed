"""The checks of what staff type about a person, wherever they type it (a referral's intake, an
outreach subject): the same limits, the same shapes of a phone number and an e-mail address, and
the same messages, so that a value one page keeps the other does not refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TEXT_LIMIT = 4000
SHORT_LIMIT = 200
PHONE = re.compile(r"^[0-9０-９+＋()（）\-‐－ ]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def too_long(values: object, names: Iterable[str], limit: int) -> dict[str, str]:
    """A problem by each of the text fields ``names`` of ``values`` longer than ``limit``."""
    return {
        name: f"{limit}文字以内で入力してください。"
        for name in names
        if len(getattr(values, name)) > limit
    }


def contact_problems(phone: str, email: str) -> dict[str, str]:
    """A phone number or an e-mail address typed but not shaped like one (either may be empty)."""
    problems: dict[str, str] = {}
    if phone and not PHONE.match(phone):
        problems["phone"] = "電話番号は数字とハイフンで入力してください（例: 090-1234-5678）。"
    if email and not EMAIL.match(email):
        problems["email"] = "メールアドレスの形が正しくありません。"
    return problems
