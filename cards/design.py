"""A card design: every text and colour printed on a guidance card, with its limits and checks.

Texts follow safe-messaging practice: gentle and plain, never a word about methods, and always
where to get help (the dedicated window, emergency numbers, the section, national channels).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cards.logo import LogoError, clean_logo
from core.profile import Profile

DEFAULT_MESSAGE = "ひとりで抱えこまずに、話してみませんか。どんなことでも大丈夫です。"
MIN_CONTRAST = 4.5  # WCAG 2 AA for normal-size text
COLOR_PATTERN = re.compile(r"#[0-9a-fA-F]{6}")
PHONE_PATTERN = re.compile(r"[0-9０-９()（）\-‐－ ]+")
# Japan's emergency numbers (fire and ambulance, police, coast guard) answer at every hour.
EMERGENCY_ALWAYS_ANSWERED = frozenset({"119", "110", "118"})

# Maximum characters per field; for the lists, per item (label and number counted together).
LIMITS: dict[str, int] = {
    "name": 16,
    "window_name": 32,
    "message": 60,
    "channel": 12,
    "hours": 30,
    "emergency": 20,
    "section_name": 30,
    "section_phone": 20,
    "national_channels": 36,
}
MAX_ITEMS: dict[str, int] = {"emergency": 3, "national_channels": 3}
REQUIRED = ("name", "window_name", "message", "channel", "section_name", "section_phone")

# Shown to staff in error messages, so in Japanese.
FIELD_LABELS: dict[str, str] = {
    "name": "自治体名",
    "window_name": "窓口の名前",
    "message": "メッセージ",
    "channel": "相談方法",
    "hours": "受付時間",
    "emergency": "緊急時の連絡先",
    "section_name": "担当課の名前",
    "section_phone": "担当課の電話番号",
    "national_channels": "全国の相談窓口",
    "accent_color": "アクセント色",
    "text_color": "文字色",
    "background_color": "背景色",
    "logo_png": "ロゴ",
}

Pair = tuple[str, str]


@dataclass(frozen=True)
class CardDesign:
    name: str
    window_name: str
    message: str
    channel: str
    hours: str
    emergency: tuple[Pair, ...]  # (label, number)
    section_name: str
    section_phone: str
    national_channels: tuple[Pair, ...] = ()  # (name, contact)
    # National numbers the directory says answer 24 hours a day, marked 「24時間」 like the
    # emergency numbers: derived from the directory when a card is drawn, never stored.
    around_the_clock: tuple[str, ...] = ()
    accent_color: str = "#1d6f6b"
    text_color: str = "#222222"
    background_color: str = "#ffffff"
    logo_png: bytes | None = None  # as returned by `cards.logo.clean_logo`, never a raw upload


def default_design(
    profile: Profile, national_channels: Iterable[Pair] = (), always_open: Iterable[str] = ()
) -> CardDesign:
    """The design a new card batch starts from, taken from the municipality profile.

    ``always_open`` are the numbers the directory says answer 24 hours a day, every day.
    """
    national = tuple(national_channels)[: MAX_ITEMS["national_channels"]]
    open_all_day = set(always_open)
    return CardDesign(
        name=profile.name,
        window_name=profile.dedicated_window_name,
        message=DEFAULT_MESSAGE,
        channel=profile.dedicated_window_channel,
        hours=profile.dedicated_window_hours,
        emergency=tuple((e.label, e.number) for e in profile.emergency_numbers),
        section_name=profile.section,
        section_phone=profile.phone,
        national_channels=national,
        around_the_clock=tuple(contact for _, contact in national if contact in open_all_day),
    )


def answers_all_day(design: CardDesign, number: str) -> bool:
    """Whether ``number`` on the card answers 24 hours a day (and may be marked so)."""
    return number in EMERGENCY_ALWAYS_ANSWERED or number in design.around_the_clock


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def char_count(text: str) -> int:
    """Characters as staff count them: line breaks are not characters."""
    return len(text.replace("\n", ""))


def validate_design(design: CardDesign) -> dict[str, str]:
    """Problems by field name, each a Japanese sentence for staff; empty when the design is fine."""
    errors: dict[str, str] = {}
    for field in REQUIRED:
        if not getattr(design, field).strip():
            errors[field] = f"「{field_label(field)}」を入力してください。"
    for field, limit in LIMITS.items():
        value = getattr(design, field)
        if field in errors or isinstance(value, tuple):
            continue
        if char_count(value) > limit:
            errors[field] = _too_long(field, limit, char_count(value))
    for field in MAX_ITEMS:
        problem = _check_pairs(field, getattr(design, field))
        if problem:
            errors[field] = problem
    if "section_phone" not in errors and not PHONE_PATTERN.fullmatch(design.section_phone):
        errors["section_phone"] = "「担当課の電話番号」は数字とハイフンで入力してください。"
    errors.update(_check_colors(design))
    if design.logo_png is not None:
        try:
            clean_logo(design.logo_png)
        except LogoError as exc:
            errors["logo_png"] = str(exc)
    return errors


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two '#rrggbb' colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _too_long(field: str, limit: int, count: int) -> str:
    return f"「{field_label(field)}」は{limit}文字以内にしてください（いまは{count}文字です）。"


def _check_pairs(field: str, pairs: tuple[Pair, ...]) -> str | None:
    label = field_label(field)
    if field == "emergency" and not pairs:
        return f"「{label}」を1件以上入力してください。"
    if len(pairs) > MAX_ITEMS[field]:
        return f"「{label}」は{MAX_ITEMS[field]}件までにしてください。"
    for first, second in pairs:
        if not first.strip() or not second.strip():
            return f"「{label}」は名前と連絡先をどちらも入力してください。"
        if char_count(first + second) > LIMITS[field]:
            return f"「{label}」は1件につき{LIMITS[field]}文字以内にしてください。"
    return None


def _check_colors(design: CardDesign) -> dict[str, str]:
    errors = {
        field: f"「{field_label(field)}」は #1d6f6b のような #rrggbb の形で指定してください。"
        for field in ("accent_color", "text_color", "background_color")
        if not COLOR_PATTERN.fullmatch(getattr(design, field))
    }
    if "text_color" in errors or "background_color" in errors:
        return errors
    ratio = contrast_ratio(design.text_color, design.background_color)
    if ratio < MIN_CONTRAST:
        errors["text_color"] = (
            "「文字色」と「背景色」の差が小さく、読みにくくなります"
            f"（コントラスト比 {ratio:.1f}:1、{MIN_CONTRAST}:1 以上にしてください）。"
        )
    return errors
