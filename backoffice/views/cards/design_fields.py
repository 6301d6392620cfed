"""Between the design form and a card design: filling the form from a design, reading a design
back from the form, applying the unsaved values a preview link carries, and showing problems by
their fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from flask import abort

from backoffice.views.cards.forms import DesignForm
from backoffice.web.forms import attach_problems
from cards.design import CardDesign
from cards.designs import stored_fields
from cards.logo import clean_logo

TEXT_FIELDS = (
    "name", "window_name", "message", "channel", "hours", "section_name", "section_phone",
    "accent_color", "text_color", "background_color",
)  # fmt: skip
FORM_FIELDS = {"logo_png": "logo"}  # a design's field -> the form's, where they differ


def fill_form(form: DesignForm, design: CardDesign) -> None:
    for field in TEXT_FIELDS:
        getattr(form, field).data = getattr(design, field)
    form.emergency.data = _pairs_text(design.emergency)
    form.national_channels.data = _pairs_text(design.national_channels)


def design_from_form(form: DesignForm, stored: CardDesign) -> CardDesign:
    """The design as the form has it; a new logo is cleaned here (``LogoError`` if refused)."""
    values = {field: (getattr(form, field).data or "").strip() for field in TEXT_FIELDS}
    values["emergency"] = _parse_pairs(form.emergency.data)
    values["national_channels"] = _parse_pairs(form.national_channels.data)
    logo = stored.logo_png
    upload = form.logo.data
    if upload and getattr(upload, "filename", ""):
        logo = clean_logo(upload.read())
    elif form.remove_logo.data:
        logo = None
    return replace(stored, **values, logo_png=logo)


def with_fields(design: CardDesign, values: object) -> CardDesign:
    """The design with the values signed into a preview link; 400 if they are not a mapping."""
    if not isinstance(values, dict):
        abort(400)
    fields = {k: v for k, v in values.items() if k in stored_fields(design)}
    for name in ("emergency", "national_channels"):
        if name in fields:
            fields[name] = tuple((str(a), str(b)) for a, b in fields[name])
    return replace(design, **fields)


def attach_design_problems(form: DesignForm, problems: Mapping[str, str]) -> None:
    """A design's problems beside the form's fields: the design's ``logo_png`` is ``logo``."""
    attach_problems(form, {FORM_FIELDS.get(name, name): text for name, text in problems.items()})


def _pairs_text(pairs: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{label} {number}" for label, number in pairs)


def _parse_pairs(text: str | None) -> tuple[tuple[str, str], ...]:
    """One pair a line, the number last: 「救急車・火事 119」 → ("救急車・火事", "119")."""
    pairs = []
    for line in (text or "").splitlines():
        parts = line.strip().rsplit(None, 1)
        if len(parts) == 2:
            pairs.append((parts[0], parts[1]))
        elif parts:
            pairs.append((parts[0], ""))  # refused by validate_design, with a message
    return tuple(pairs)
