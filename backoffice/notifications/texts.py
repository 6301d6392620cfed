"""What each kind of notification says: in the list, and in a mail. The case number is the only
thing of the case in either; the case page, behind sign-in, says the rest."""

from __future__ import annotations

from backoffice.notifications.models import (
    ACKNOWLEDGEMENT_OVERDUE,
    FOLLOW_UP_DUE,
    NEW_REFERRAL,
    URGENT_NOT_CONTACTED,
)

KIND_LABELS = {
    NEW_REFERRAL: "新しい引き継ぎ",
    ACKNOWLEDGEMENT_OVERDUE: "受け取り確認の期限切れ",
    URGENT_NOT_CONTACTED: "緊急案件の連絡の期限切れ",
    FOLLOW_UP_DUE: "フォローアップの時期",
}

# One sentence per kind; {case} is the case number (R-2026-0012).
SENTENCES = {
    NEW_REFERRAL: "つなぎ支援の新しい引き継ぎ（{case}）があります。受け取りを確認してください。",
    ACKNOWLEDGEMENT_OVERDUE: (
        "つなぎ支援の引き継ぎ（{case}）の受け取り確認が、期限（翌営業日）を過ぎています。"
        "確認してください。"
    ),
    URGENT_NOT_CONTACTED: (
        "緊急のつなぎ支援（{case}）に、期限の時間内に連絡がとれていません。対応を確認してください。"
    ),
    FOLLOW_UP_DUE: (
        "つなぎ支援（{case}）のフォローアップの時期です。フォローアップを記録してください。"
    ),
}

SUBJECTS = {
    NEW_REFERRAL: "【つなぐ】新しい引き継ぎ {case}",
    ACKNOWLEDGEMENT_OVERDUE: "【つなぐ】受け取り確認の期限切れ {case}",
    URGENT_NOT_CONTACTED: "【つなぐ】緊急案件の連絡の期限切れ {case}",
    FOLLOW_UP_DUE: "【つなぐ】フォローアップの時期 {case}",
}

FOOTER = (
    "このメールには、相談した方の情報を書いていません。くわしくは業務システムで確かめてください。\n"
    "（このメールは自動で送っています。返信されても読めません。）"
)


def sentence(kind: str, case_number: str) -> str:
    return SENTENCES[kind].format(case=case_number)


def subject(kind: str, case_number: str) -> str:
    return SUBJECTS[kind].format(case=case_number)


def body(kind: str, case_number: str, link: str) -> str:
    """The whole mail: the sentence, the case's address in the back office, the footer."""
    return f"{sentence(kind, case_number)}\n\n{link}\n\n{FOOTER}\n"
