"""Forms of the training area. Field checks are here; what depends on the accounts and on who
records (a liaison's scope) lives in `backoffice.training`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, FormField, StringField, TextAreaField
from wtforms.fields import FieldList

from backoffice.training.actions import TEXT_LIMIT as ACTION_LIMIT
from backoffice.training.records import (
    MAX_GUEST_ROWS,
    NAME_LIMIT,
    NOTES_LIMIT,
    TITLE_LIMIT,
    GuestRow,
    TrainingValues,
)
from backoffice.training.vocabulary import KIND_LABELS, ORGANISER_LABELS
from backoffice.web.forms import (
    BlankableDateField,
    Checkboxes,
    Select,
    VersionField,
    at_most,
    choices,
    filled,
    number,
)

GUEST_ROWS = 5
NOT_A_COUNT = -1  # typed, but not a number: the service says what it must be


class GuestRowForm(Form):
    organisation = StringField("機関名", validators=[at_most(NAME_LIMIT)])
    count = StringField("人数")


class TrainingForm(FlaskForm):
    held_on = BlankableDateField("開催日", validators=[filled("開催日を入力してください。")])
    kind = Select("種類", choices=choices([("", "選んでください"), *KIND_LABELS.items()]))
    organiser = Select("主催", choices=choices([("", "選んでください"), *ORGANISER_LABELS.items()]))
    title = StringField("題名", validators=[at_most(TITLE_LIMIT)])
    participants = Checkboxes("参加した職員", coerce=int)
    guests = FieldList(FormField(GuestRowForm), min_entries=GUEST_ROWS, max_entries=MAX_GUEST_ROWS)
    notes = TextAreaField("メモ", validators=[at_most(NOTES_LIMIT)])
    version = VersionField()

    def set_staff(self, staff: list[tuple[int, str]]) -> None:
        self.participants.choices = choices(staff)

    def values(self) -> TrainingValues:
        rows = []
        for entry in self.guests.entries:
            raw = (entry.form.count.data or "").strip()
            count = number(raw, digits=4) if raw else None
            rows.append(
                GuestRow(
                    entry.form.organisation.data or "",
                    NOT_A_COUNT if raw and count is None else count,
                )
            )
        return TrainingValues(
            held_on=self.held_on.data,
            kind=self.kind.data or "",
            organiser=self.organiser.data or "",
            title=self.title.data or "",
            participant_ids=list(self.participants.data or []),
            guests=rows,
            notes=self.notes.data or "",
        )


class MaterialForm(FlaskForm):
    file = FileField("資料（PDF）")


class ActionForm(FlaskForm):
    text = StringField("やること", validators=[at_most(ACTION_LIMIT)])
    owner_id = Select("担当者", coerce=int)
    due_on = BlankableDateField("期限（任意）")

    def set_staff(self, staff: list[tuple[int, str]]) -> None:
        self.owner_id.choices = choices([(0, "選んでください"), *staff])
