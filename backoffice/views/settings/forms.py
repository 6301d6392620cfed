"""The profile form. It only carries the values: what each must be is checked by
`backoffice.settings.checks`, which says what is wrong in the field's own words."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, HiddenField, StringField, TextAreaField
from wtforms.fields import FieldList

from backoffice.settings.fields import EMERGENCY_ROWS, LABELS, LIMITS
from backoffice.web.forms import Checkboxes, choices
from core.profile import Profile

TEXT_FIELDS = (*LIMITS, "phone", "fax")
NUMBER_FIELDS = (
    "retention_years",
    "statistics_minimum_batch",
    "statistics_publication_threshold",
    "training_required_per_fiscal_year",
    "training_material_max_mb",
)


class EmergencyRowForm(Form):
    number = StringField("番号")
    label = StringField("名前")
    label_en = StringField("名前（英語）")


def _text(name: str) -> StringField:
    return StringField(LABELS[name])


class ProfileForm(FlaskForm):
    name = _text("name")
    name_en = _text("name_en")
    section = _text("section")
    section_en = _text("section_en")
    phone = _text("phone")
    fax = _text("fax")
    address = _text("address")
    address_needs_check = BooleanField(LABELS["address_needs_check"])
    partner_name = _text("partner_name")
    dedicated_window_name = _text("dedicated_window_name")
    dedicated_window_name_en = _text("dedicated_window_name_en")
    dedicated_window_channel = _text("dedicated_window_channel")
    dedicated_window_url = _text("dedicated_window_url")
    dedicated_window_hours = _text("dedicated_window_hours")
    emergency_numbers = FieldList(
        FormField(EmergencyRowForm), min_entries=EMERGENCY_ROWS, max_entries=EMERGENCY_ROWS
    )
    retention_years = _text("retention_years")
    statistics_minimum_batch = _text("statistics_minimum_batch")
    statistics_publication_threshold = _text("statistics_publication_threshold")
    training_required_kinds = Checkboxes(LABELS["training_required_kinds"])
    training_required_per_fiscal_year = _text("training_required_per_fiscal_year")
    training_material_max_mb = _text("training_material_max_mb")
    partner_origins = TextAreaField(LABELS["partner_origins"])
    version = HiddenField()

    def set_kinds(self, kinds: tuple[str, ...]) -> None:
        self.training_required_kinds.choices = choices([(k, k) for k in kinds])

    def raw(self) -> dict[str, Any]:
        """The values as typed, for `backoffice.settings.checks.edited_profile` (and for the
        signed preview, which is saved exactly as it was shown)."""
        values: dict[str, Any] = {name: self[name].data or "" for name in TEXT_FIELDS}
        values.update({name: self[name].data or "" for name in NUMBER_FIELDS})
        values["address_needs_check"] = bool(self.address_needs_check.data)
        values["emergency_numbers"] = [
            {key: entry.form[key].data or "" for key in ("number", "label", "label_en")}
            for entry in self.emergency_numbers.entries
        ]
        values["training_required_kinds"] = list(self.training_required_kinds.data or [])
        values["partner_origins"] = self.partner_origins.data or ""
        return values

    def fill(self, raw: dict[str, Any]) -> None:
        """Show ``raw`` (a profile's values, or a preview's) in the fields."""
        for name in (*TEXT_FIELDS, *NUMBER_FIELDS):
            self[name].data = str(raw.get(name, ""))
        self.address_needs_check.data = bool(raw.get("address_needs_check"))
        rows = list(raw.get("emergency_numbers") or [])
        for entry, row in zip(self.emergency_numbers.entries, rows, strict=False):
            for key in ("number", "label", "label_en"):
                entry.form[key].data = str(row.get(key, ""))
        self.training_required_kinds.data = list(raw.get("training_required_kinds") or [])
        self.partner_origins.data = str(raw.get("partner_origins", ""))


def raw_of(profile: Profile) -> dict[str, Any]:
    """A profile's editable values in the form's shape."""
    values: dict[str, Any] = {name: getattr(profile, name) for name in TEXT_FIELDS}
    values.update({name: str(getattr(profile, name)) for name in NUMBER_FIELDS})
    values["address_needs_check"] = profile.address_needs_check
    values["emergency_numbers"] = [
        {"number": e.number, "label": e.label, "label_en": e.label_en}
        for e in profile.emergency_numbers
    ]
    values["training_required_kinds"] = list(profile.training_required_kinds)
    values["partner_origins"] = "\n".join(profile.partner_origins)
    return values


class SaveForm(FlaskForm):
    """The confirmation: the previewed values, signed, and nothing a person could change."""

    preview = HiddenField()
