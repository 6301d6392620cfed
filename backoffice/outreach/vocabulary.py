"""What staff read for each code an outreach record stores. The concern shares the referrals'
categories (the directory's topics)."""

from __future__ import annotations

from backoffice.referrals.vocabulary import TOPIC_LABELS

CONCERN_LABELS = TOPIC_LABELS
STATUS_LABELS = {
    "received": "情報提供受付",
    "visit_planned": "訪問予定",
    "visited": "訪問済",
    "watching": "見守り継続",
    "connected": "つなぎ完了",
    "ended": "終了",
}
AGENCY_KIND_LABELS = {
    "welfare_volunteer": "民生委員・児童委員",
    "community_center": "地域包括支援センター",
    "health_center": "保健所・保健センター",
    "school": "学校",
    "police": "警察",
    "hospital": "病院・診療所",
    "other": "その他の機関",
}
LEGAL_BASIS_LABELS = {
    "life_body": "生命・身体の保護のため必要",
    "consent": "本人の同意あり",
    "other": "その他（理由を記入）",
}
CONTACT_KIND_LABELS = {
    "home_visit": "家庭訪問",
    "phone": "電話",
    "letter": "手紙",
    "event": "行事・催しの場で",
}
CONTACT_RESULT_LABELS = {
    "met": "会えた",
    "absent": "不在",
    "refused": "拒否",
    "moved": "転居",
    "other": "その他",
}
HANDOUT_KIND_LABELS = {
    "visit": "訪問で",
    "event": "行事・催しで",
    "counter": "窓口で",
    "partner": "関係機関から",
}
END_REASON_LABELS = {
    "declined": "本人が関わりを望まない",
    "moved": "転居した",
    "unreachable": "会えない・連絡がとれない",
    "no_need": "支援の必要がなくなった",
    "other": "その他",
}
