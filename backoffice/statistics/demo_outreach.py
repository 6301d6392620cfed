"""Synthetic outreach, cards and trainings (`demo`): outreach subjects with their visits, card
batches with hand-outs and scans, trainings with participants and guests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from backoffice.outreach.models import (
    CardHandout,
    OutreachContact,
    OutreachStatusChange,
    OutreachSubject,
)
from backoffice.statistics.demo_cases import NAMED_AGENCIES
from backoffice.statistics.demo_rows import SYNTHETIC, Rows, pick
from backoffice.training.models import Training, TrainingGuest, TrainingParticipant
from cards.batches import new_code
from cards.models import DEFAULT_DESIGN, CardBatch, SavedDesign, ScanCount
from core.crypto import RowBound
from core.timezone import TOKYO, in_tokyo
from directory.topics import TOPICS

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


class OutreachRows(Rows):
    def outreach(self, count: int) -> None:
        subjects, changes, contacts = [], [], []
        for subject_id in self.ids(OutreachSubject.__table__, count):
            self._subject(subject_id, subjects, changes, contacts)
        self.insert(OutreachSubject, subjects)
        self.insert(OutreachStatusChange, changes)
        self.insert(OutreachContact, contacts)
        self.summary.outreach_subjects = count
        self.summary.outreach_contacts = len(contacts)

    def _subject(
        self, subject_id: int, subjects: list[dict], changes: list[dict], contacts: list[dict]
    ) -> None:
        rng = self.rng
        received_at = self.moment()
        received = in_tokyo(received_at).date()
        is_open = (self.today - received).days < 60 and rng.random() < 0.6
        status = (
            rng.choice(("received", "visit_planned", "visited", "watching"))
            if is_open
            else ("connected" if rng.random() < 0.3 else "ended")
        )
        staff = rng.choice(self.staff)
        closed_at = None if is_open else self.after(received_at, 24 * 14, 24 * 180) or self.now
        subjects.append({
            "id": subject_id, "subject_number": f"S-{received.year}-{subject_id:06d}",
            "received_on": received, "status": status, "created_by_id": staff,
            "agency_kind": pick(rng, AGENCY_KINDS),
            "concern": [t.slug for t in rng.sample(TOPICS, rng.choice((1, 1, 2)))],
            "district": rng.choice(self.districts),
            "legal_basis": rng.choice(("life_body", "consent", "consent")),
            "agency_name": RowBound(f"{SYNTHETIC}：{rng.choice(NAMED_AGENCIES)}", subject_id),
            "person_name": RowBound(f"{SYNTHETIC} P{subject_id:06d}", subject_id),
            "known": RowBound(f"{SYNTHETIC}：近所の方から連絡（架空）", subject_id),
            "closed_at": closed_at,
            "end_reason": pick(rng, OUTREACH_ENDS) if status == "ended" else "",
            "linked_referral_id": (
                rng.choice(self.referral_ids) if status == "connected" and self.referral_ids
                else None
            ),
            "created_at": received_at, "updated_at": closed_at or received_at,
        })  # fmt: skip
        if status != "received":
            [change_id] = self.ids(OutreachStatusChange.__table__, 1)
            changes.append({
                "id": change_id, "subject_id": subject_id, "from_status": "received",
                "to_status": status, "changed_at": closed_at or received_at,
                "changed_by_id": staff,
                "end_reason": subjects[-1]["end_reason"],
            })  # fmt: skip
        visits = 0 if status in ("received", "visit_planned") else rng.choice((1, 1, 2, 3))
        day = received
        for contact_id in self.ids(OutreachContact.__table__, visits):
            day = min(day + timedelta(days=rng.randint(2, 20)), self.today)
            contacts.append({
                "id": contact_id, "subject_id": subject_id,
                "kind": rng.choice(("home_visit", "home_visit", "home_visit", "phone", "event")),
                "planned_on": day, "done_on": day, "staff_id": staff,
                "result": pick(rng, VISIT_RESULTS),
                "note": RowBound(f"{SYNTHETIC}：玄関先で話した（架空）", contact_id),
                "recorded_by_id": staff,
                "recorded_at": datetime.combine(day, time(17), TOKYO).astimezone(UTC),
            })  # fmt: skip
            self.contact_days.append((contact_id, day))

    def cards(self) -> None:
        """A batch per purpose, printed at the start; hand-outs at visits and events; scans."""
        design = self.session.scalar(
            select(SavedDesign.id).where(SavedDesign.name == DEFAULT_DESIGN)
        ) or self.session.scalar(select(SavedDesign.id).order_by(SavedDesign.id).limit(1))
        if design is None:
            return  # no card design yet (`tsunagu init` makes one): no cards
        rng = self.rng
        batch_ids = list(self.ids(CardBatch.__table__, len(BATCH_PURPOSES)))
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
            self.ids(CardHandout.__table__, len(handouts)), handouts, strict=True
        ):
            handed[batch_id] += count
            rows.append({
                "id": handout_id, "batch_id": batch_id, "kind": kind, "count": count,
                "handed_on": day, "contact_id": contact, "recorded_by_id": rng.choice(self.staff),
                "recorded_at": datetime.combine(day, time(18), TOKYO).astimezone(UTC),
            })  # fmt: skip
        for batch in batches:  # printed: what was handed out and a margin
            batch["quantity"] = max(100, (handed[batch["id"]] // 100 + 2) * 100)
        self.insert(CardBatch, batches)
        self.insert(CardHandout, rows)
        scans: dict[tuple[int, date], int] = {}
        for handout in rows:  # about one card in eight is scanned, within a month
            for _ in range(handout["count"]):
                if rng.random() < 0.125:
                    day = min(handout["handed_on"] + timedelta(days=rng.randint(0, 30)), self.today)
                    key = (handout["batch_id"], day)
                    scans[key] = scans.get(key, 0) + 1
        self.insert(ScanCount, [
            {"batch_id": batch_id, "day": day, "count": count}
            for (batch_id, day), count in sorted(scans.items())
        ])  # fmt: skip
        self.summary.card_batches = len(batches)
        self.summary.card_handouts = len(rows)

    def trainings(self, count: int) -> None:
        rng = self.rng
        days = (self.today - self.start.date()).days
        trainings, participants, guests = [], [], []
        for training_id in self.ids(Training.__table__, count):
            held = self.start.date() + timedelta(days=rng.randint(0, days))
            moment = datetime.combine(held, time(18), TOKYO).astimezone(UTC)
            kind = pick(rng, TRAINING_KINDS)
            trainings.append({
                "id": training_id, "held_on": held, "kind": kind,
                "organiser": pick(rng, ORGANISERS),
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
            for row_id, row in zip(self.ids(model.__table__, len(table_rows)), table_rows,
                                   strict=True):  # fmt: skip
                row["id"] = row_id
        self.insert(Training, trainings)
        self.insert(TrainingParticipant, participants)
        self.insert(TrainingGuest, guests)
        self.summary.trainings = count
