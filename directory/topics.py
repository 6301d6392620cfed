"""The topics a service can cover: the problems behind suicide risk and the people it reaches."""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    slug: str
    ja: str
    en: str
    kana: str


TOPICS: tuple[Topic, ...] = (
    Topic("mental-health", "こころの悩み", "Mental health", "こころのなやみ"),
    Topic("debt", "借金・お金", "Debt and money", "しゃっきん・おかね"),
    Topic("work", "仕事・失業", "Work and unemployment", "しごと・しつぎょう"),
    Topic("family-dv", "家族・DV", "Family and domestic violence", "かぞく・でぃーぶい"),
    Topic("sexual-violence", "性暴力", "Sexual violence", "せいぼうりょく"),
    Topic("bullying-school", "いじめ・学校", "Bullying and school", "いじめ・がっこう"),
    Topic("children-youth", "子ども・若者", "Children and youth", "こども・わかもの"),
    Topic("women", "女性", "Women", "じょせい"),
    Topic("hikikomori", "ひきこもり", "Hikikomori (social withdrawal)", "ひきこもり"),
    Topic("elderly-care", "高齢・介護", "Older people and care", "こうれい・かいご"),
    Topic("illness-disability", "病気・障害", "Illness and disability", "びょうき・しょうがい"),
    Topic("addiction", "依存症", "Addiction", "いぞんしょう"),
    Topic("lgbtq", "性のあり方（LGBTQ）", "LGBTQ", "せいのありかた"),
    Topic("bereaved", "自死遺族", "Bereaved by suicide", "じしいぞく"),
    Topic(
        "foreign-residents",
        "外国にルーツのある方",
        "Foreign residents",
        "がいこくにるーつのあるかた",
    ),
    Topic("daily-life", "暮らしの困りごと", "Daily-life support", "くらしのこまりごと"),
)
TOPIC_BY_SLUG = {topic.slug: topic for topic in TOPICS}

# The fact sheet's English topic names, mapped to our slugs.
FACT_SHEET_TOPICS = {
    "mental health": "mental-health",
    "debt": "debt",
    "work": "work",
    "family/DV": "family-dv",
    "sexual violence": "sexual-violence",
    "bullying/school": "bullying-school",
    "children/youth": "children-youth",
    "women": "women",
    "hikikomori": "hikikomori",
    "elderly/care": "elderly-care",
    "illness/disability": "illness-disability",
    "addiction": "addiction",
    "LGBTQ": "lgbtq",
    "bereaved": "bereaved",
    "foreign residents": "foreign-residents",
    "daily-life/poverty": "daily-life",
}


class SupportPage(NamedTuple):
    """A page for the people around someone: the topics it links (those that list a published
    service) and the fact sheet's services it shows, by name (those published)."""

    topics: tuple[str, ...]
    services: tuple[str, ...]


# Lines that take anyone's call, family and friends included, round the clock or long hours.
_ANYONE = ("こころの健康相談統一ダイヤル", "よりそいホットライン", "京都いのちの電話")
# 身近な人が心配なとき: what often weighs on someone, and lines a worried person can call.
WORRIED_ABOUT_SOMEONE = SupportPage(
    topics=(
        "mental-health", "hikikomori", "debt", "work", "family-dv", "children-youth",
        "elderly-care", "addiction",
    ),
    services=_ANYONE,
)  # fmt: skip
# 大切な人を自死で亡くされた方へ: the 自死遺族 topic once a service for it is published (the
# fact sheet has none yet), then lines anyone can call, legal and money questions after a death,
# and a line for children.
BEREAVED_BY_SUICIDE = SupportPage(
    topics=("bereaved", "mental-health", "debt", "children-youth"),
    services=(*_ANYONE, "法テラス・サポートダイヤル", "チャイルドライン"),
)
