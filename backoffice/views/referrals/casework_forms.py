"""Forms for case work: support meetings, links to agencies, tasks. The field checks are here;
what depends on the case (consent, the directory, who may be assigned) lives in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from backoffice.referrals.links import NAME_LIMIT, LinkValues
from backoffice.referrals.meetings import TEXT_LIMIT, MeetingValues
from backoffice.referrals.tasks import TITLE_LIMIT, TaskValues
from backoffice.referrals.vocabulary import LINK_STATUS_LABELS
from backoffice.web.forms import (
    BlankableDateField,
    BlankableDateTimeField,
    Checkboxes,
    Select,
    VersionField,
    at_most,
    filled,
)
from core.timezone import TOKYO

CONSENT_CONFIRMED = "同意の記録にない機関について、本人の同意を得た（同意の記録に加えます）"


class MeetingForm(FlaskForm):
    held_on = BlankableDateField("開催日", validators=[filled("開催日を入力してください。")])
    organization_ids = Checkboxes(
        "参加した関係機関（支援機関一覧から）", message="関係機関を一覧から選んでください。"
    )
    other_agencies = TextAreaField(
        "そのほかの参加機関（一覧にない機関。1行に1機関）", validators=[at_most(TEXT_LIMIT)]
    )
    agenda = TextAreaField(
        "議題", validators=[DataRequired("議題を入力してください。"), at_most(TEXT_LIMIT)]
    )
    decisions = TextAreaField("決まったこと（役割分担など）", validators=[at_most(TEXT_LIMIT)])
    next_meeting_on = BlankableDateField("次回の開催予定日（任意）")
    consent_confirmed = BooleanField(CONSENT_CONFIRMED)
    version = VersionField()

    def values(self) -> MeetingValues:
        lines = (self.other_agencies.data or "").splitlines()
        return MeetingValues(
            held_on=self.held_on.data,
            organization_ids=list(self.organization_ids.data or []),
            other_agencies=[line.strip() for line in lines if line.strip()],
            agenda=self.agenda.data or "",
            decisions=self.decisions.data or "",
            next_meeting_on=self.next_meeting_on.data,
            consent_confirmed=bool(self.consent_confirmed.data),
        )

    def fill(self, values: MeetingValues, version: int) -> None:
        self.process(data={**vars(values), "other_agencies": "\n".join(values.other_agencies)})
        self.version.data = version


class LinkForm(FlaskForm):
    service_id = Select(
        "つなぎ先（支援機関一覧から）", message="つなぎ先を一覧から選んでください。"
    )
    agency_name = StringField("一覧にない機関の名前", validators=[at_most(NAME_LIMIT)])
    linked_on = BlankableDateField("日付", validators=[filled("日付を入力してください。")])
    status = Select(
        "状態", choices=[SelectChoice(code, label) for code, label in LINK_STATUS_LABELS.items()]
    )
    outcome = TextAreaField("結果・経過（任意）", validators=[at_most(TEXT_LIMIT)])
    consent_confirmed = BooleanField(CONSENT_CONFIRMED)
    version = VersionField()

    def values(self) -> LinkValues:
        return LinkValues(
            service_id=self.service_id.data or None,
            agency_name=self.agency_name.data or "",
            linked_on=self.linked_on.data,
            status=self.status.data or "",
            outcome=self.outcome.data or "",
            consent_confirmed=bool(self.consent_confirmed.data),
        )

    def fill(self, values: LinkValues, version: int) -> None:
        self.process(data=vars(values))
        self.version.data = version


class TaskForm(FlaskForm):
    title = StringField(
        "やること", validators=[DataRequired("やることを入力してください。"), at_most(TITLE_LIMIT)]
    )
    due_at = BlankableDateTimeField(
        "期限（日時）", validators=[filled("期限の日時を入力してください。")]
    )
    assignee_id = Select("担当者", coerce=int)

    def values(self) -> TaskValues:
        """The due time is entered in Japanese time."""
        due = self.due_at.data.replace(tzinfo=TOKYO) if self.due_at.data else None
        return TaskValues(self.title.data or "", due, self.assignee_id.data)
