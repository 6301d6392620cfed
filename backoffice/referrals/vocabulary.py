"""What staff read for each code a case stores: one table per kind of code, for the pages, the
forms, the timeline and the exported record alike (the codes themselves are in `models` and
`casework`)."""

from __future__ import annotations

from directory.topics import TOPIC_BY_SLUG

SOURCE_LABELS = {"line": "LINE", "chat": "チャット", "phone": "電話", "other": "その他"}
RISK_LABELS = {"high": "高い", "medium": "中くらい", "low": "低い"}
AGE_LABELS = {
    "not_stated": "不明・答えたくない", "under_20": "20歳未満", "20s": "20代", "30s": "30代",
    "40s": "40代", "50s": "50代", "60s": "60代", "70_plus": "70歳以上",
}  # fmt: skip
GENDER_LABELS = {
    "not_stated": "答えない・不明",
    "female": "女性",
    "male": "男性",
    "other": "その他",
}
# How the person would like to be contacted; a contact attempt is made by one of the same ways.
METHOD_LABELS = {"not_stated": "希望なし", "phone": "電話", "line": "LINE", "email": "メール"}
ATTEMPT_METHOD_LABELS = {
    code: label for code, label in METHOD_LABELS.items() if code != "not_stated"
}
CONSENT_METHOD_LABELS = {
    "line": "LINEで", "chat": "チャットで", "phone": "電話で", "in_person": "対面で",
    "other": "その他",
}  # fmt: skip
CONSENTED_BY_LABELS = {"self": "本人", "guardian": "保護者・代理人"}
TOPIC_LABELS = {slug: topic.ja for slug, topic in TOPIC_BY_SLUG.items()}

STATUS_LABELS = {
    "received": "受付",
    "first_contact": "初回連絡",
    "arranging": "支援調整中",
    "supporting": "支援中",
    "ended": "支援終了",
    "followed_up": "フォローアップ完了",
    "unreachable": "連絡不能",
}
END_REASONS = {
    "resolved": "支援により課題が解決・軽減した",
    "connected": "関係機関の支援に引き継いだ",
    "declined": "本人が支援を望まなくなった",
    "moved": "転出した",
    "unreachable": "連絡がとれない",
    "other": "その他",
}
# What becomes of a case's open tasks when its support ends.
OPEN_TASK_CHOICES = {
    "close": "すべて完了にして、支援を終了する",
    "carry": "フォローアップとして残す（担当者の一覧に残ります）",
}

CONTACT_LABELS = {  # the result of a contact attempt
    "reached": "話せた",
    "no_answer": "応答なし",
    "message_left": "伝言を残した",
    "wrong_number": "番号違い",
    "declined": "話すことを断られた",
}
EMERGENCY_LABELS = {
    "ambulance": "119（救急）",
    "police": "警察",
    "hospital": "病院",
    "other": "その他",
}
LINK_STATUS_LABELS = {
    "proposed": "提案中",
    "connected": "つながった",
    "declined": "見送り（本人または機関が辞退）",
    "ended": "終了",
}
# What a case waits for next, in the case lists' 次の期限 column (`due_dates.DUE_KINDS`).
DUE_KIND_LABELS = {"acknowledge": "受け取り確認", "contact": "連絡", "task": "タスク"}
