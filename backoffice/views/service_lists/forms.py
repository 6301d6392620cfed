"""The 案内リスト form: a name, a note line, and for each published service its place on the
list (blank: not on it). Field checks are in `backoffice.service_lists.lists`."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import StringField

from backoffice.service_lists.lists import NAME_LIMIT, NOTE_LIMIT, ListValues
from backoffice.web.forms import at_most, number

PLACE_PREFIX = "place-"


class ListForm(FlaskForm):
    name = StringField("リストの名前", validators=[at_most(NAME_LIMIT)])
    note = StringField("印刷するメモ（1行）", validators=[at_most(NOTE_LIMIT)])


def places(form_data: Mapping[str, str], choices: list[tuple[str, str]]) -> dict[str, str]:
    """What was typed as each service's place, by service id (as typed, for the form again)."""
    return {
        service_id: (form_data.get(PLACE_PREFIX + service_id) or "").strip()
        for service_id, _ in choices
    }


def place_problem(typed: Mapping[str, str]) -> str | None:
    if any(value and number(value, digits=3) is None for value in typed.values()):
        return "順番は 1、2、3 のように数字で入力してください。"
    return None


def values_of(
    form: ListForm, typed: Mapping[str, str], choices: list[tuple[str, str]]
) -> ListValues:
    """The list's values: the services with a place, by that place, then the directory's order."""
    order = {service_id: index for index, (service_id, _) in enumerate(choices)}
    chosen = [
        (number(value, digits=3) or 0, order[service_id], service_id)
        for service_id, value in typed.items()
        if value
    ]
    return ListValues(
        name=form.name.data or "",
        note=form.note.data or "",
        service_ids=[service_id for *_, service_id in sorted(chosen)],
    )
