"""The person's fields, in one place: which part of the consent lets the city store each, the
value that means "nothing stored", its label, and what a liaison sees with each part.

The intake (`intake`), the consent checks (`sharing`), the liaison's view (`scopes`), the edit
page and the clean-up of older cases all read these tables rather than listing fields again.
"""

from __future__ import annotations

from typing import Any

PART_LABELS = {
    "share_basic": "基本情報",
    "share_summary": "相談の概要",
    "share_assessment": "アセスメント",
}
# Each part's fields with the value that means "nothing stored".
PART_FIELDS: dict[str, dict[str, Any]] = {
    "share_basic": {
        "person_name": "", "person_kana": "", "pseudonym": False, "age_band": "not_stated",
        "gender": "not_stated", "district": "", "phone": "", "line_name": "", "email": "",
        "preferred_method": "not_stated", "preferred_times": "", "callback_may_identify": False,
    },
    "share_summary": {"wants": "", "summary": ""},
    "share_assessment": {"assessment": ""},
}  # fmt: skip
# What the handoff itself needs: part of the consent to hand off, not of a box. A liaison sees
# the field of the problem with the summary, the risk and urgency with the assessment.
HANDOFF_FIELDS = ("problem_categories", "risk_level", "urgent")
# What the end of support says of the person (why it ended, what help was arranged, the agencies
# linked): the liaison sees it with the summary. Without it they see that support ended, and when.
CLOSING_FIELDS = ("end_reason", "closing_summary", "linked_agencies")
SEEN_WITH = {
    "share_basic": (),
    "share_summary": ("problem_categories", *CLOSING_FIELDS),
    "share_assessment": ("risk_level", "urgent"),
}
FIELD_LABELS = {
    "person_name": "名前", "person_kana": "よみがな", "pseudonym": "仮名であること",
    "age_band": "年代", "gender": "性別", "district": "地区", "phone": "電話番号",
    "line_name": "LINEの表示名", "email": "メールアドレス", "preferred_method": "希望する連絡方法",
    "preferred_times": "連絡してよい時間帯", "callback_may_identify": "名乗ってよいか",
    "wants": "本人が望んでいること", "summary": "相談の概要", "assessment": "アセスメント",
}  # fmt: skip
CONSENTED_FIELDS = tuple(name for fields in PART_FIELDS.values() for name in fields)
# What the edit page changes, in the order it (and its list of conflicting values) shows them.
EDITABLE = (
    *PART_FIELDS["share_basic"], *HANDOFF_FIELDS, *PART_FIELDS["share_summary"],
    *PART_FIELDS["share_assessment"],
)  # fmt: skip
# Stored encrypted; an empty one is stored as NULL.
PERSONAL_TEXT = (
    "person_name", "person_kana", "phone", "line_name", "email", "preferred_times",
    "wants", "summary", "assessment",
)  # fmt: skip
CONTACTS = frozenset({"phone", "email", "line_name"})


def seen_with(part: str) -> tuple[str, ...]:
    """The fields a liaison sees on a case whose consent covers ``part``."""
    return (*PART_FIELDS[part], *SEEN_WITH[part])
