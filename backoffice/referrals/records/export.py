"""Exporting one case as a file (JSON or PDF), for a disclosure request or a transfer: refused
without a reason, or with one that names the person; the reason is kept encrypted in
`referral_export` and the audit trail points at it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.referrals import case_pdf
from backoffice.referrals.models import Referral, ReferralExport
from backoffice.referrals.records.case_record import case_record
from backoffice.referrals.trail import record_case_event
from backoffice.staff.actor import Actor
from core.db import utcnow
from directory.textnorm import normalize

FORMATS = {"pdf": "application/pdf", "json": "application/json"}
REASON_LIMIT = 200


class RecordsError(ValueError):
    """An export or anonymisation refused, with a sentence to show staff; nothing was done."""


@dataclass(frozen=True)
class Export:
    body: bytes
    filename: str
    mimetype: str


def export_case(
    session: Session, referral: Referral, file_format: str, *, actor: Actor, reason: str,
    font_path: str | None = None,
) -> Export:  # fmt: skip
    """The whole case as a file; refused (`RecordsError`) without a reason. Audited."""
    reason = " ".join(reason.split())
    if not reason:
        raise RecordsError("書き出す理由を入力してください。")
    if len(reason) > REASON_LIMIT:
        raise RecordsError(f"書き出す理由は{REASON_LIMIT}文字以内で入力してください。")
    if file_format not in FORMATS:
        raise RecordsError("書き出す形式を選んでください。")
    if mentions_person(reason, referral):
        raise RecordsError(PERSONAL_REASON)
    record = case_record(session, referral)
    if file_format == "json":
        body = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        body = case_pdf.render_case_pdf(record, font_path)
    logged = ReferralExport(
        case_id=referral.id, exported_by_id=actor.id, exported_at=utcnow(),
        file_format=file_format, reason=reason,
    )  # fmt: skip
    session.add(logged)
    session.flush()
    # The reason stays encrypted in its row; the trail only points at it.
    pointer = f"{file_format}: referral_export {logged.id}"
    record_case_event(session, "referral.export", referral.id, actor, reason=pointer)
    return Export(body, f"{referral.case_number}.{file_format}", FORMATS[file_format])


PERSONAL_REASON = (
    "理由に、本人の名前や連絡先を書かないでください（理由は書き出しの記録として長く残ります）。"
    "案件番号で足ります。"
)


def mentions_person(text: str, referral: Referral) -> bool:
    """Whether ``text`` holds the person's name, reading or a contact detail of this case,
    however it is written: both go through the search's normalisation, so katakana and
    hiragana, full and half width, spaces and long-vowel marks all match (ﾀﾝｺﾞ, たんご)."""
    folded = normalize(text)
    terms = (referral.person_name, referral.person_kana, referral.email, referral.line_name)
    if any(term and len(normalize(term)) >= 2 and normalize(term) in folded for term in terms):
        return True
    phone = _digits(referral.phone or "")
    return len(phone) >= 6 and phone in _digits(text)


def _digits(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isdigit())
