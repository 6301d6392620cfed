"""Synthetic cases to try the statistics on (`tsunagu demo-cases N`), never real people.

``generate`` adds N referrals spread from 1 April two fiscal years back until now (Japan time),
in proportions like those of an SNS counselling service: mostly by LINE, age bands skewed
young, a few urgent, most ended with a reason, some consents withdrawn, links to directory
services and named agencies, follow-ups; and beside them outreach subjects (one for every ten
referrals) with their visits, card batches with hand-outs and scans, and trainings.

Everything is marked as synthetic: every case is a pseudonym named 「合成データ 000123」, every
free text starts with 「合成データ」, card batches and trainings say so in their note and title,
and case numbers start with ``S-`` (real ones with ``R-``). Runs are additive: each adds N more
cases after the highest ids already there, so nothing existing is touched.

The rows are inserted in bulk (hundreds of thousands in a minute), not through the services:
each encrypted value is a `RowBound` for its explicit id, as the ORM would write it, and
`sync_id_sequences` moves PostgreSQL's sequences past the ids given. Rules only: no Flask.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from backoffice.outreach.models import (
    CardHandout,
    OutreachContact,
    OutreachStatusChange,
    OutreachSubject,
)
from backoffice.referrals.casework import ContactAttempt, ReferralLink
from backoffice.referrals.models import Consent, FollowUp, Referral, StatusChange
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from cards.batches import new_code
from cards.models import DEFAULT_DESIGN, CardBatch, SavedDesign, ScanCount
from core.crypto import RowBound
from core.row_binding import sync_id_sequences
from core.timezone import TOKYO, in_tokyo
from directory.models import Service
from directory.topics import TOPICS

SYNTHETIC = "合成データ"
BATCH = 2000  # referrals per round of inserts
FISCAL_YEARS = 3  # the current fiscal year and the two before it

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
LINK_RESULTS = {"connected": 60, "declined": 15, "ended": 15, "proposed": 10}
NAMED_AGENCIES = ("社会福祉協議会", "ハローワーク", "地域包括支援センター", "保健所",
                  "法テラス", "スクールカウンセラー", "民生委員")  # fmt: skip
PATH = ("received", "first_contact", "arranging", "supporting", "ended", "followed_up")

OUTREACH_SHARE = 10  # one outreach subject for every ten referrals
AGENCY_KINDS = {"welfare_volunteer": 35, "community_center": 20, "health_center": 15,
                "school": 10, "police": 5, "hospital": 10, "other": 5}  # fmt: skip
VISIT_RESULTS = {"met": 55, "absent": 30, "refused": 10, "moved": 2, "other": 3}
OUTREACH_ENDS = {"declined": 30, "moved": 10, "unreachable": 20, "no_need": 35, "other": 5}
BATCH_PURPOSES = ("home_visit", "event", "school", "partner", "counter")
TRAINING_KINDS = {"training": 60, "exchange": 35, "other": 5}
TRAINING_TITLES = {"training": "研修", "exchange": "情報交換会", "other": "打ち合わせ"}
ORGANISERS = {"npo": 40, "city": 40, "joint": 20}
GUEST_ORGANISATIONS = ("社会福祉協議会", "地域包括支援センター", "保健所", "民生委員協議会",
                       "学校", "警察署")  # fmt: skip


@dataclass
class DemoSummary:
    """What one run added (counts only)."""

    referrals: int = 0
    status_changes: int = 0
    consents_withdrawn: int = 0
    contact_attempts: int = 0
    links: int = 0
    follow_ups: int = 0
    outreach_subjects: int = 0
    outreach_contacts: int = 0
    card_batches: int = 0
    card_handouts: int = 0
    trainings: int = 0
    first_referral: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.referrals} synthetic referrals ({self.consents_withdrawn} consents withdrawn, "
            f"{self.links} links, {self.follow_ups} follow-ups), "
            f"{self.outreach_subjects} outreach subjects ({self.outreach_contacts} contacts), "
            f"{self.card_batches} card batches ({self.card_handouts} hand-outs), "
            f"{self.trainings} trainings"
        )


def first_day(now: datetime) -> date:
    """1 April of the fiscal year two before the current one (Japan time)."""
    today = in_tokyo(now).date()
    start_year = today.year if today.month >= 4 else today.year - 1
    return date(start_year - (FISCAL_YEARS - 1), 4, 1)


def generate(
    session: Session,
    count: int,
    *,
    staff_ids: Sequence[int],
    districts: Sequence[str],
    now: datetime | None = None,
    seed: int | None = None,
) -> DemoSummary:
    """Add ``count`` synthetic referrals and what goes with them; in the caller's transaction."""
    if count < 1:
        raise ValueError("the number of cases must be at least 1")
    if not staff_ids:
        raise ValueError("synthetic cases need at least one staff account")
    now = now or datetime.now(UTC)
    rng = random.Random(seed)  # noqa: S311  (made-up cases, not secrets)
    gen = _Generator(session, rng, now, list(staff_ids), list(districts) or ["(不明)"])
    gen.referrals(count)
    gen.outreach(max(1, count // OUTREACH_SHARE))
    gen.cards()
    gen.trainings(max(2 * FISCAL_YEARS, min(60, count // 500)))
    gen.sync()
    return gen.summary


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), tuple(weights.values()))[0]


class _Generator:
    def __init__(
        self, session: Session, rng: random.Random, now: datetime, staff: list[int],
        districts: list[str],
    ) -> None:  # fmt: skip
        self.session, self.rng, self.now, self.staff = session, rng, now, staff
        self.districts = districts
        self.start = datetime.combine(first_day(now), time(), TOKYO).astimezone(UTC)
        self.today = in_tokyo(now).date()
        self.summary = DemoSummary()
        self.touched: list[Table] = []
        self.next_ids: dict[str, int] = {}
        self.referral_ids: list[int] = []
        self.contact_days: list[tuple[int, date]] = []  # (contact id, day) of visits done
        self.services = list(session.scalars(select(Service.id).order_by(Service.id).limit(200)))

    def _ids(self, table: Table, count: int) -> range:
        """``count`` fresh ids after the highest already in the table (or given in this run)."""
        name = table.name
        if name not in self.next_ids:
            highest = self.session.scalar(select(func.max(table.c.id))) or 0
            self.next_ids[name] = highest + 1
            self.touched.append(table)
        first = self.next_ids[name]
        self.next_ids[name] = first + count
        return range(first, first + count)

    def _insert(self, model: type, rows: list[dict]) -> None:
        if rows:
            self.session.execute(insert(model), rows)

    def _moment(self) -> datetime:
        span = (self.now - self.start).total_seconds()
        return self.start + timedelta(seconds=self.rng.random() * span)

    def _after(self, moment: datetime, low_hours: float, high_hours: float) -> datetime | None:
        """A moment some hours after ``moment`` (skewed early), or None if it is still ahead."""
        later = moment + timedelta(
            hours=low_hours + (high_hours - low_hours) * self.rng.random() ** 2
        )
        return later if later <= self.now else None

    # Referrals ---------------------------------------------------------------------------

    def referrals(self, count: int) -> None:
        for done in range(0, count, BATCH):
            size = min(BATCH, count - done)
            ids = self._ids(Referral.__table__, size)
            rows: dict[str, list[dict]] = {
                "referral": [], "consent": [], "change": [], "attempt": [], "link": [],
                "follow_up": [],
            }  # fmt: skip
            for case_id in ids:
                self._referral(case_id, rows)
            self._insert(Referral, rows["referral"])
            self._insert(Consent, rows["consent"])
            self._insert(StatusChange, rows["change"])
            self._insert(ContactAttempt, rows["attempt"])
            self._insert(ReferralLink, rows["link"])
            self._insert(FollowUp, rows["follow_up"])
            self.referral_ids.extend(ids)
        self.summary.referrals = count
        self.summary.first_referral = self.referral_ids[0]

    def _referral(self, case_id: int, rows: dict[str, list[dict]]) -> None:
        rng = self.rng
        received = self._moment()
        age_days = (self.now - received).days
        is_open = rng.random() < (0.7 if age_days < 30 else 0.25 if age_days < 120 else 0.02)
        status = _pick(rng, OPEN if is_open else CLOSED)
        staff = rng.choice(self.staff)
        risk = _pick(rng, RISKS)
        acknowledged = self._after(received, 0.2, 36) if rng.random() < 0.97 else None
        first_contact = None
        if status != "received":
            first_contact = self._after(acknowledged or received, 0.5, 72) or self.now
        reached = PATH.index(status) if status in PATH else PATH.index("first_contact")
        ended_at = end_reason = None
        if not is_open:
            ended_at = self._after(first_contact or received, 24 * 7, 24 * 150) or self.now
            end_reason = "unreachable" if status == "unreachable" else _pick(rng, END_REASONS)
        row = {
            "id": case_id,
            "case_number": f"S-{in_tokyo(received).year}-{case_id:06d}",
            "received_at": received,
            "source_channel": _pick(rng, SOURCES),
            "created_by_id": staff,
            "status": status,
            "risk_level": risk,
            "urgent": risk == "high" and rng.random() < URGENT_IF_HIGH,
            "problem_categories": [t.slug for t in rng.sample(TOPICS, rng.choice((1, 1, 2, 3)))],
            "age_band": _pick(rng, AGES),
            "gender": _pick(rng, GENDERS),
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
        withdrawn_at = self._after(received, 24, 24 * 60) if rng.random() < WITHDRAWN else None
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
        if status == "followed_up" and ended_at is not None:
            held = in_tokyo(ended_at).date() + timedelta(days=rng.randint(30, 90))
            [follow_id] = self._ids(FollowUp.__table__, 1)
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
        ids = self._ids(StatusChange.__table__, len(steps))
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
        ids = self._ids(ContactAttempt.__table__, misses + 1)
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
        for link_id in self._ids(ReferralLink.__table__, count):
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
                "status": result or _pick(self.rng, LINK_RESULTS),
                "outcome": RowBound(f"{SYNTHETIC}：支援につながった（架空）", link_id),
                "recorded_by_id": staff,
            })  # fmt: skip
        self.summary.links += count

    # Outreach ----------------------------------------------------------------------------

    def outreach(self, count: int) -> None:
        subjects, changes, contacts = [], [], []
        for subject_id in self._ids(OutreachSubject.__table__, count):
            self._subject(subject_id, subjects, changes, contacts)
        self._insert(OutreachSubject, subjects)
        self._insert(OutreachStatusChange, changes)
        self._insert(OutreachContact, contacts)
        self.summary.outreach_subjects = count
        self.summary.outreach_contacts = len(contacts)

    def _subject(
        self, subject_id: int, subjects: list[dict], changes: list[dict], contacts: list[dict]
    ) -> None:
        rng = self.rng
        received_at = self._moment()
        received = in_tokyo(received_at).date()
        is_open = (self.today - received).days < 60 and rng.random() < 0.6
        status = (
            rng.choice(("received", "visit_planned", "visited", "watching"))
            if is_open
            else ("connected" if rng.random() < 0.3 else "ended")
        )
        staff = rng.choice(self.staff)
        closed_at = None if is_open else self._after(received_at, 24 * 14, 24 * 180) or self.now
        subjects.append({
            "id": subject_id, "subject_number": f"S-{received.year}-{subject_id:06d}",
            "received_on": received, "status": status, "created_by_id": staff,
            "agency_kind": _pick(rng, AGENCY_KINDS),
            "concern": [t.slug for t in rng.sample(TOPICS, rng.choice((1, 1, 2)))],
            "district": rng.choice(self.districts),
            "legal_basis": rng.choice(("life_body", "consent", "consent")),
            "agency_name": RowBound(f"{SYNTHETIC}：{rng.choice(NAMED_AGENCIES)}", subject_id),
            "person_name": RowBound(f"{SYNTHETIC} P{subject_id:06d}", subject_id),
            "known": RowBound(f"{SYNTHETIC}：近所の方から連絡（架空）", subject_id),
            "closed_at": closed_at,
            "end_reason": _pick(rng, OUTREACH_ENDS) if status == "ended" else "",
            "linked_referral_id": (
                rng.choice(self.referral_ids) if status == "connected" and self.referral_ids
                else None
            ),
            "created_at": received_at, "updated_at": closed_at or received_at,
        })  # fmt: skip
        if status != "received":
            [change_id] = self._ids(OutreachStatusChange.__table__, 1)
            changes.append({
                "id": change_id, "subject_id": subject_id, "from_status": "received",
                "to_status": status, "changed_at": closed_at or received_at,
                "changed_by_id": staff,
                "end_reason": subjects[-1]["end_reason"],
            })  # fmt: skip
        visits = 0 if status in ("received", "visit_planned") else rng.choice((1, 1, 2, 3))
        day = received
        for contact_id in self._ids(OutreachContact.__table__, visits):
            day = min(day + timedelta(days=rng.randint(2, 20)), self.today)
            contacts.append({
                "id": contact_id, "subject_id": subject_id,
                "kind": rng.choice(("home_visit", "home_visit", "home_visit", "phone", "event")),
                "planned_on": day, "done_on": day, "staff_id": staff,
                "result": _pick(rng, VISIT_RESULTS),
                "note": RowBound(f"{SYNTHETIC}：玄関先で話した（架空）", contact_id),
                "recorded_by_id": staff,
                "recorded_at": datetime.combine(day, time(17), TOKYO).astimezone(UTC),
            })  # fmt: skip
            self.contact_days.append((contact_id, day))

    # Cards -------------------------------------------------------------------------------

    def cards(self) -> None:
        """A batch per purpose, printed at the start; hand-outs at visits and events; scans."""
        design = self.session.scalar(
            select(SavedDesign.id).where(SavedDesign.name == DEFAULT_DESIGN)
        ) or self.session.scalar(select(SavedDesign.id).order_by(SavedDesign.id).limit(1))
        if design is None:
            return  # no card design yet (`tsunagu init` makes one): no cards
        rng = self.rng
        batch_ids = list(self._ids(CardBatch.__table__, len(BATCH_PURPOSES)))
        batches = [
            {"id": batch_id, "code": new_code(), "design_id": design, "purpose": purpose,
             "quantity": 0, "note": f"{SYNTHETIC}（統計の試用のための架空の配布）",
             "created_by": SYNTHETIC, "created_at": self.start, "printed_at": self.start}
            for batch_id, purpose in zip(batch_ids, BATCH_PURPOSES, strict=True)
        ]  # fmt: skip
        visit_batch = batch_ids[0]
        handouts = []
        for contact_id, day in self.contact_days:
            if rng.random() < 0.4:
                handouts.append((visit_batch, "visit", rng.randint(1, 3), day, contact_id))
        days = (self.today - self.start.date()).days
        for batch_id in batch_ids[1:]:
            kind = {"event": "event", "counter": "counter"}.get(
                batches[batch_ids.index(batch_id)]["purpose"], "partner"
            )
            for _ in range(max(3, len(self.contact_days) // 40)):
                day = self.start.date() + timedelta(days=rng.randint(0, days))
                handouts.append((batch_id, kind, rng.randint(5, 60), day, None))
        handed: dict[int, int] = dict.fromkeys(batch_ids, 0)
        rows = []
        for handout_id, (batch_id, kind, count, day, contact) in zip(
            self._ids(CardHandout.__table__, len(handouts)), handouts, strict=True
        ):
            handed[batch_id] += count
            rows.append({
                "id": handout_id, "batch_id": batch_id, "kind": kind, "count": count,
                "handed_on": day, "contact_id": contact, "recorded_by_id": rng.choice(self.staff),
                "recorded_at": datetime.combine(day, time(18), TOKYO).astimezone(UTC),
            })  # fmt: skip
        for batch in batches:  # printed: what was handed out and a margin
            batch["quantity"] = max(100, (handed[batch["id"]] // 100 + 2) * 100)
        self._insert(CardBatch, batches)
        self._insert(CardHandout, rows)
        scans: dict[tuple[int, date], int] = {}
        for handout in rows:  # about one card in eight is scanned, within a month
            for _ in range(handout["count"]):
                if rng.random() < 0.125:
                    day = min(handout["handed_on"] + timedelta(days=rng.randint(0, 30)), self.today)
                    key = (handout["batch_id"], day)
                    scans[key] = scans.get(key, 0) + 1
        self._insert(ScanCount, [
            {"batch_id": batch_id, "day": day, "count": count}
            for (batch_id, day), count in sorted(scans.items())
        ])  # fmt: skip
        self.summary.card_batches = len(batches)
        self.summary.card_handouts = len(rows)

    # Trainings ---------------------------------------------------------------------------

    def trainings(self, count: int) -> None:
        rng = self.rng
        days = (self.today - self.start.date()).days
        trainings, participants, guests = [], [], []
        for training_id in self._ids(Training.__table__, count):
            held = self.start.date() + timedelta(days=rng.randint(0, days))
            moment = datetime.combine(held, time(18), TOKYO).astimezone(UTC)
            kind = _pick(rng, TRAINING_KINDS)
            trainings.append({
                "id": training_id, "held_on": held, "kind": kind,
                "organiser": _pick(rng, ORGANISERS),
                "title": f"{SYNTHETIC} {TRAINING_TITLES[kind]} {training_id:04d}",
                "notes": RowBound(f"{SYNTHETIC}（架空の記録）", training_id),
                "created_by_id": rng.choice(self.staff),
                "created_at": moment, "updated_at": moment,
            })  # fmt: skip
            who = rng.sample(self.staff, rng.randint(1, min(6, len(self.staff))))
            participants.extend({"training_id": training_id, "staff_user_id": s} for s in who)
            for organisation in rng.sample(GUEST_ORGANISATIONS, rng.randint(0, 3)):
                guests.append({"training_id": training_id, "organisation": organisation,
                               "count": rng.randint(1, 8)})  # fmt: skip
        for table_rows, model in ((participants, TrainingParticipant), (guests, TrainingGuest)):
            for row_id, row in zip(self._ids(model.__table__, len(table_rows)), table_rows,
                                   strict=True):  # fmt: skip
                row["id"] = row_id
        self._insert(Training, trainings)
        self._insert(TrainingParticipant, participants)
        self._insert(TrainingGuest, guests)
        self.summary.trainings = count

    def sync(self) -> None:
        sync_id_sequences(self.session, self.touched)
