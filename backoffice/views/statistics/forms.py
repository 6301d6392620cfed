"""The period selector: a fiscal year, a month or a range of days, asked by GET (it changes
nothing). Every value is checked here in our words; the rules of a period are in
`backoffice.statistics.periods`."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from backoffice.staff.actor import Actor
from backoffice.staff.permissions import CASE_PERMISSIONS
from backoffice.statistics.periods import Period, PeriodError, fiscal_year_of
from backoffice.web.forms import DATE_MESSAGE, BlankableDateField, Select, at_most, number

KINDS = {"fiscal_year": "年度", "month": "月", "range": "期間を指定"}
YEAR_MESSAGE = "年は 2026 のように、西暦4桁の数字で入力してください。"


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only chooses what to show

    kind = RadioField(
        "集計する期間の種類",
        choices=[SelectChoice(k, v) for k, v in KINDS.items()],
        default="fiscal_year",
        validators=[Optional()],
        invalid_choice_message="期間の種類を選んでください。",
        invalid_value_message="期間の種類を選んでください。",
    )
    year = StringField("年度（西暦・4月始まり）または年", validators=[Optional(), at_most(4)])
    month = Select(
        "集計する月",
        choices=[SelectChoice(str(m), f"{m}月") for m in range(1, 13)],
        default="4",
        validators=[Optional()],
    )
    start = BlankableDateField("始まりの日", validators=[Optional()])
    end = BlankableDateField("終わりの日（この日を含む）", validators=[Optional()])


def reads_cases(actor: Actor) -> bool:
    """Whether the actor may open cases or subjects (and so sees their details anyway)."""
    return bool(actor.permissions & CASE_PERMISSIONS)


def default_period(today: date) -> Period:
    return Period.fiscal_year(fiscal_year_of(today))


def chosen_period(form: PeriodForm, today: date, *, whole_months: bool = False) -> Period | None:
    """The period the form asks for, or None with the problems on its fields; with
    ``whole_months`` (staff who may not read cases), a range must be whole months."""
    if not form.validate():
        return None
    kind = form.kind.data or "fiscal_year"
    try:
        if kind == "range":
            if form.start.data is None:
                form.start.errors = [
                    *form.start.errors,
                    f"始まりの日を入力してください。{DATE_MESSAGE}",
                ]
            if form.end.data is None:
                form.end.errors = [
                    *form.end.errors,
                    f"終わりの日を入力してください。{DATE_MESSAGE}",
                ]
            if form.start.data is None or form.end.data is None:
                return None
            period = Period.between(form.start.data, form.end.data)
            return period.in_whole_months() if whole_months else period
        raw = (form.year.data or "").strip()
        year = number(raw, digits=4) if raw else fiscal_year_of(today)
        if year is None or len(str(year)) != 4:
            form.year.errors = [*form.year.errors, YEAR_MESSAGE]
            return None
        if kind == "month":
            return Period.month(year, number(form.month.data) or 0)
        return Period.fiscal_year(year)
    except PeriodError as refused:
        field = form.end if kind == "range" else form.year
        field.errors = [*field.errors, str(refused)]
        return None
