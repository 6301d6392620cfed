"""The directory's codes as staff read them, in the order the back office offers them.

The codes themselves are in ``directory.models`` (``CHANNEL_KINDS``, ``COST_KINDS``, ``AREAS``,
``PUBLICATION_STATES``, ``AUDIENCES``); the public pages have their own, translated wording in
``public_site/labels.py``.
"""

from __future__ import annotations

from directory.hours import WEEKDAYS

CHANNEL_KIND_LABELS = {
    "phone": "電話",
    "line": "LINE",
    "chat": "チャット",
    "email": "メール",
    "sns": "SNS",
    "web": "ウェブサイト",
    "in_person": "窓口（来所）",
}
COST_LABELS = {
    "unknown": "記載なし",
    "free": "無料",
    "partly": "一部無料",
    "paid": "有料（通話料など）",
}
AREA_LABELS = {"municipality": "市内", "prefecture": "府内", "national": "全国"}
STATE_LABELS = {
    "draft": "下書き（公開しない）",
    "published": "公開",
    "archived": "公開終了",
}
AUDIENCE_LABELS = {
    "youth": "子ども・若者",
    "women": "女性",
    "elderly": "高齢の方",
    "foreign-residents": "外国にルーツのある方",
}
WEEKDAY_LABELS = {str(number): f"{day}曜日" for number, day in enumerate(WEEKDAYS)}
