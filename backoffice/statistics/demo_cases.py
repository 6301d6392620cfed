"""Synthetic referrals (`demo`): cases with their consent, status history, contact attempts,
links to agencies, follow-ups and support meetings, in proportions like those of an SNS
counselling service. Every encrypted value is a `RowBound` for its explicit id."""

from __future__ import annotations

from datetime import datetime, timedelta

from backoffice.referrals.casework import ContactAttempt, ReferralLink, SupportMeeting
from backoffice.referrals.models import Consent, FollowUp, Referral, StatusChange
from backoffice.statistics.demo_rows import SYNTHETIC, Rows, pick
from core.crypto import RowBound
from core.timezone import in_tokyo
from directory.topics import TOPICS

BATCH = 2000  # referrals per round of inserts

# Proportions (weights): an SNS counselling service reaches the young, mostly by LINE.
SOURCES = {"line": 70, "chat": 15, "phone": 12, "other": 3}
AGES = {"under_20": 18, "20s": 30, "30s": 18, "40s": 12, "50s": 8, "60s": 4, "70_plus": 2,
        "not_stated": 8}  # fmt: skip
GENDERS = {"female": 55, "male": 35, "other": 3, "not_stated": 7}
RISKS = {"high": 15, "medium": 45, "low": 40}
URGENT_IF_HIGH = 0.3  # about 4.5 % of all cases
CLOSED = {"ended": 55, "followed_up": 30, "unreachable": 15}
OPEN = {"received": 10, "first_contact": 20, "arranging": 30, "supporting": 40}
END_REASONS = {"resolved": 40, "connected": 35, "declined": 10, "moved": 5, "other": 10}
WITHDRAWN = 0.03  # consents withdrawn
LINKED = 0.6  # of the cases that reached 支援調整中, linked to one or two agencies
MET = 0.2  # of the cases that reached 支援調整中, discussed at a support meeting
LINK_RESULTS = {"connected": 60, "declined": 15, "ended": 15, "proposed": 10}
NAMED_AGENCIES = ("社会福祉協議会", "ハローワーク", "地域包括支援センター", "保健所",
                  "法テラス", "スクールカウンセラー", "民生委員")  # fmt: skip
PATH = ("received", "first_contact", "arranging", "supporting", "ended", "followed_up")


class CaseRows(Rows):
    def referrals(self, count: int) -> None:
        for done in range(0, count, BATCH):
            size = min(BATCH, count - done)
            ids = self.ids(Referral.__table__, size)
            rows: dict[str, list[dict]] = {
                "referral": [], "consent": [], "change": [], "attempt": [], "link": [],
                "follow_up": [], "meeting": [],
            }  # fmt: skip
            for case_id in ids:
                self._referral(case_id, rows)
            self.insert(Referral, rows["referral"])
            self.insert(Consent, rows["consent"])
            self.insert(StatusChange, rows["change"])
            self.insert(ContactAttempt, rows["attempt"])
            self.insert(ReferralLink, rows["link"])
            self.insert(FollowUp, rows["follow_up"])
            self.insert(SupportMeeting, rows["meeting"])
            self.referral_ids.extend(ids)
        self.summary.referrals = count
        self.summary.first_referral = self.referral_ids[0]

    def _referral(self, case_id: int, rows: dict[str, list[dict]]) -> None:
        rng = self.rng
        received = self.moment()
        age_days = (self.now - received).days
        is_open = rng.random() < (0.7 if age_days < 30 else 0.25 if age_days < 120 else 0.02)
        status = pick(rng, OPEN if is_open else CLOSED)
        staff = rng.choice(self.staff)
        risk = pick(rng, RISKS)
        acknowledged = self.after(received, 0.2, 36) if rng.random() < 0.97 else None
        first_contact = None
        if status != "received":
            first_contact = self.after(acknowledged or received, 0.5, 72) or self.now
        reached = PATH.index(status) if status in PATH else PATH.index("first_contact")
        ended_at = end_reason = None
        if not is_open:
            ended_at = self.after(first_contact or received, 24 * 7, 24 * 150) or self.now
            end_reason = "unreachable" if status == "unreachable" else pick(rng, END_REASONS)
        row = {
            "id": case_id,
            "case_number": f"S-{in_tokyo(received).year}-{case_id:06d}",
            "received_at": received,
            "source_channel": pick(rng, SOURCES),
            "created_by_id": staff,
            "status": status,
            "risk_level": risk,
            "urgent": risk == "high" and rng.random() < URGENT_IF_HIGH,
            "problem_categories": [t.slug for t in rng.sample(TOPICS, rng.choice((1, 1, 2, 3)))],
            "age_band": pick(rng, AGES),
            "gender": pick(rng, GENDERS),
            "district": rng.choice(self.districts),
            "person_name": RowBound(f"{SYNTHETIC} {case_id:06d}", case_id),
            "person_kana": RowBound("ごうせいでーた", case_id),
            "pseudonym": True,
            "line_name": RowBound(f"{SYNTHETIC}{case_id}", case_id),
            "preferred_method": "line",
            "wants": RowBound(f"{SYNTHETIC}：生活の立て直しについて相談したい（架空）", case_id),
            "summary": RowBound(f"{SYNTHETIC}：統計を試すための架空の相談です。", case_id),
            "assigned_to_id": staff,
            "assigned_at": acknowledged,
            "acknowledged_at": acknowledged,
            "acknowledged_by_id": staff if acknowledged else None,
            "first_contact_at": first_contact,
            "ended_at": ended_at,
            "end_reason": end_reason or "",
            "end_note": RowBound(f"{SYNTHETIC}：終了（架空）", case_id) if ended_at else None,
            "follow_up_due_on": (
                in_tokyo(ended_at).date() + timedelta(days=90) if status == "ended" else None
            ),
            "created_at": received,
            "updated_at": ended_at or first_contact or received,
        }
        rows["referral"].append(row)
        withdrawn_at = self.after(received, 24, 24 * 60) if rng.random() < WITHDRAWN else None
        withdrawn = withdrawn_at is not None
        self.summary.consents_withdrawn += withdrawn
        rows["consent"].append({
            "id": case_id, "referral_id": case_id, "consented_at": received,
            "method": row["source_channel"] if row["source_channel"] != "other" else "other",
            "share_summary": True, "agencies": RowBound([], case_id),
            "wording": f"{SYNTHETIC}：市の担当者に、連絡先と相談の概要を伝えてよいですか。",
            "withdrawn_at": withdrawn_at,
            "withdrawn_by_id": staff if withdrawn else None,
        })  # fmt: skip
        self._changes(case_id, status, reached, received, first_contact, ended_at, end_reason,
                      staff, rows["change"])  # fmt: skip
        if first_contact is not None:
            self._attempts(case_id, row["preferred_method"], received, first_contact, staff,
                           rows["attempt"])  # fmt: skip
        if reached >= PATH.index("arranging") and not withdrawn and rng.random() < LINKED:
            self._links(case_id, first_contact or received, is_open, staff, rows["link"])
        if reached >= PATH.index("arranging") and rng.random() < MET:
            self._meeting(case_id, first_contact or received, withdrawn, staff, rows["meeting"])
        if status == "followed_up" and ended_at is not None:
            held = in_tokyo(ended_at).date() + timedelta(days=rng.randint(30, 90))
            [follow_id] = self.ids(FollowUp.__table__, 1)
            rows["follow_up"].append({
                "id": follow_id, "referral_id": case_id, "held_on": min(held, self.today),
                "result": RowBound(f"{SYNTHETIC}：変わりなく過ごしている", follow_id),
                "recorded_by_id": staff, "recorded_at": ended_at,
            })  # fmt: skip
            self.summary.follow_ups += 1

    def _changes(
        self, case_id: int, status: str, reached: int, received: datetime,
        first_contact: datetime | None, ended_at: datetime | None, end_reason: str | None,
        staff: int, out: list[dict],
    ) -> None:  # fmt: skip
        """The status history: along the path up to the status, or to 連絡不能."""
        steps = list(PATH[1 : reached + 1]) if status != "unreachable" else ["first_contact"]
        if status == "unreachable":
            steps.append("unreachable")
        moment = first_contact or received
        previous = "received"
        ids = self.ids(StatusChange.__table__, len(steps))
        for change_id, to in zip(ids, steps, strict=True):
            if to in ("ended", "unreachable") and ended_at is not None:
                moment = ended_at
            elif to == "followed_up" and ended_at is not None:
                moment = min(ended_at + timedelta(days=60), self.now)
            elif to != "first_contact":
                moment = min(moment + timedelta(days=self.rng.randint(1, 14)), self.now)
            out.append({
                "id": change_id, "referral_id": case_id, "from_status": previous, "to_status": to,
                "changed_at": moment, "changed_by_id": staff,
                "end_reason": (end_reason or "") if to in ("ended", "unreachable") else "",
            })  # fmt: skip
            previous = to
        self.summary.status_changes += len(steps)

    def _attempts(
        self, case_id: int, method: str, received: datetime, reached_at: datetime, staff: int,
        out: list[dict],
    ) -> None:  # fmt: skip
        misses = self.rng.choice((0, 0, 0, 1, 1, 2))
        ids = self.ids(ContactAttempt.__table__, misses + 1)
        for number, attempt_id in enumerate(ids):
            last = number == misses
            when = reached_at if last else received + (reached_at - received) * (number + 1) / (
                misses + 2)  # fmt: skip
            out.append({
                "id": attempt_id, "referral_id": case_id, "attempted_at": when, "method": method,
                "result": "reached" if last else self.rng.choice(("no_answer", "message_left")),
                "by_id": staff,
            })  # fmt: skip
        self.summary.contact_attempts += misses + 1

    def _links(
        self, case_id: int, after: datetime, is_open: bool, staff: int, out: list[dict]
    ) -> None:
        count = self.rng.choice((1, 1, 1, 2))
        for link_id in self.ids(ReferralLink.__table__, count):
            service = (
                self.rng.choice(self.services)
                if self.services and self.rng.random() < 0.7
                else None
            )
            result = "proposed" if is_open and self.rng.random() < 0.5 else None
            out.append({
                "id": link_id, "referral_id": case_id, "service_id": service,
                "agency_name": RowBound(
                    "" if service else self.rng.choice(NAMED_AGENCIES), link_id
                ),
                "linked_on": in_tokyo(min(after + timedelta(days=3), self.now)).date(),
                "status": result or pick(self.rng, LINK_RESULTS),
                "outcome": RowBound(f"{SYNTHETIC}：支援につながった（架空）", link_id),
                "recorded_by_id": staff,
            })  # fmt: skip
        self.summary.links += count

    def _meeting(
        self, case_id: int, after: datetime, withdrawn: bool, staff: int, out: list[dict]
    ) -> None:
        """A support meeting some days after the first contact, with directory organisations
        and named agencies (none once consent is withdrawn, as the service refuses them)."""
        rng = self.rng
        [meeting_id] = self.ids(SupportMeeting.__table__, 1)
        agencies: list[str] = []
        if not withdrawn:
            listed = rng.sample(self.organizations, min(len(self.organizations), rng.randint(0, 2)))
            agencies = [*listed, *rng.sample(NAMED_AGENCIES, rng.randint(0, 1))]
        out.append({
            "id": meeting_id, "referral_id": case_id,
            "held_on": in_tokyo(min(after + timedelta(days=rng.randint(2, 20)), self.now)).date(),
            "agencies": RowBound(agencies, meeting_id),
            "agenda": RowBound(f"{SYNTHETIC}：支援の方針（架空）", meeting_id),
            "recorded_by_id": staff, "shared_with_liaison": False, "version": 1,
        })  # fmt: skip
        self.summary.meetings += 1
