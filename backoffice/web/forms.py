"""What every back-office form shares: the CSRF-only form, lists and checkboxes that refuse
values off the list in our words, dates that may be blank, and one way to show a service's
refusal beside the fields it names.

Every form carries a CSRF token (Flask-WTF) and validates server-side. WTForms' own messages
(a value not on a list, a date that cannot be read, too long a text) are in our words here:
Flask-WTF already shows WTForms' Japanese catalogue, chosen by the Babel locale, but it reads as
machine talk (無効な時間型です for a date-time) and leaves some messages in English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
YEARS = (2000, 2100)
DATE_MESSAGE = "日付は 2026-04-01 のように、年-月-日 で入力してください。"
DATETIME_MESSAGE = "日時は 2026-04-01 10:00 のように、年-月-日 時:分 で入力してください。"


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


def attach_problems(form: Any, problems: Mapping[str, str], *, fallback: str | None = None) -> None:
    """Show each refused value beside its field. A problem about no field of this form goes
    beside ``fallback`` (when given), else into the form's own errors. A message the field
    already shows (the form's own check said the same) is not repeated."""
    for name, message in problems.items():
        field = getattr(form, name, None)
        if not isinstance(field, Field) and fallback is not None:
            field = getattr(form, fallback)
        if isinstance(field, Field):
            if message not in field.errors:
                field.errors = [*field.errors, message]
        elif message not in form.form_errors:
            form.form_errors.append(message)


def plausible(form: Any, field: Any) -> None:
    """A date or date-time within this century: anything else is a typing slip."""
    if field.data is not None and not YEARS[0] <= field.data.year < YEARS[1]:
        raise ValidationError("日付が正しくありません。西暦で入力してください。")


def number(raw: str | None, *, digits: int = 9) -> int | None:
    """A plain non-negative number from a form or URL value, or None (no ², no 5,000 digits)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= digits:
        return int(raw)
    return None


def at_most(limit: int) -> Length:
    return Length(max=limit, message=f"{limit}文字以内で入力してください。")


def _off_the_list(label: str, message: str | None) -> dict[str, str]:
    message = message or f"{label}を一覧から選んでください。"
    return {"invalid_choice_message": message, "invalid_value_message": message}


class Select(SelectField):
    """One of a list; any other value (typed into the address, say) is refused in our words."""

    def __init__(self, label: str, *, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(label, **{**_off_the_list(label, message), **kwargs})


class Checkboxes(SelectMultipleField):
    """Any of a list, as checkboxes; a value not on it is refused in our words."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, *, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(label, **{**_off_the_list(label, message), **kwargs})


def choices(pairs: Any) -> list[SelectChoice]:
    """Form choices from (value, label) pairs or a dict of labels."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class Blankable(Field):
    """A field left empty reads as None; anything else is read by the field it is mixed into."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class BlankableDateField(Blankable, DateField):
    """A date that may be left empty (None); anything else must be a real date."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, invalid_value_message=DATE_MESSAGE, **kwargs)


class BlankableDateTimeField(Blankable, DateTimeLocalField):
    """A date and time that may be left empty (None); anything else must be a real one."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, invalid_value_message=DATETIME_MESSAGE, **kwargs)


def filled(message: str) -> Callable[[Any, Field], None]:
    """Required, for dates: a date that could not be read keeps its own message instead."""

    def check(form: Any, field: Field) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    return check


class VersionField(HiddenField):
    """The version of the record the form was opened on: a stale save is refused."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = int(valuelist[0]) if valuelist else None
        except ValueError:
            self.data = None
