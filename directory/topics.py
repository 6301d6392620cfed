"""The topics a service can cover: the problems behind suicide risk and the people it reaches."""

from __future__ import annotations

from typing import NamedTuple


class Topic(NamedTuple):
    slug: str
    ja: str
    en: str


TOPICS: tuple[Topic, ...] = (
    Topic("mental-health", "こころの悩み", "Mental health"),
    Topic("debt", "借金・お金", "Debt and money"),
    Topic("work", "仕事・失業", "Work and unemployment"),
    Topic("family-dv", "家族・DV", "Family and domestic violence"),
    Topic("sexual-violence", "性暴力", "Sexual violence"),
    Topic("bullying-school", "いじめ・学校", "Bullying and school"),
    Topic("children-youth", "子ども・若者", "Children and youth"),
    Topic("women", "女性", "Women"),
    Topic("hikikomori", "ひきこもり", "Hikikomori (social withdrawal)"),
    Topic("elderly-care", "高齢・介護", "Older people and care"),
    Topic("illness-disability", "病気・障害", "Illness and disability"),
    Topic("addiction", "依存症", "Addiction"),
    Topic("lgbtq", "性のあり方（LGBTQ）", "LGBTQ"),
    Topic("bereaved", "自死遺族", "Bereaved by suicide"),
    Topic("foreign-residents", "外国にルーツのある方", "Foreign residents"),
    Topic("daily-life", "暮らしの困りごと", "Daily-life support"),
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
