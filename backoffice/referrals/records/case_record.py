"""Everything on one case as one structure of sections and labelled fields, the same for the
JSON and the PDF export: coded values keep their code beside the label."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.models import Referral
from backoffice.referrals.records.specs import (
    CASE,
    CONSENT,
    INTAKE,
    LISTS,
    PERSON,
    STAFF,
    TIME,
    TIMELINE,
    Spec,
)
from backoffice.staff.models import StaffUser
from core.db import utcnow
from core.timezone import TOKYO
from directory.models import Service

FORMAT = "tsunagu.referral/1"


def case_record(session: Session, referral: Referral) -> dict[str, Any]:
    """Everything on the case, as sections of entries, each entry a list of labelled fields."""
    found = {key: _rows(session, model, referral.id, order) for key, _, model, _, order in LISTS}
    show = _formatter(
        session,
        [(referral, CASE), (referral.consent, CONSENT)]
        + [(row, spec) for key, _, _, spec, _ in LISTS for row in found[key]],
    )
    sections: dict[str, tuple[str, list[list[dict]]]] = {
        "case": ("案件", [show(referral, CASE)]),
        "person": ("本人", [show(referral, PERSON)]),
        "intake": ("受付時の内容", [show(referral, INTAKE)]),
        "consent": ("同意", [show(referral.consent, CONSENT)] if referral.consent else []),
    }
    timeline = sorted(
        (
            (getattr(row, order), key, row, spec)
            for key, _, _, spec, order in LISTS
            if key in TIMELINE
            for row in found[key]
        ),
        key=lambda item: item[0],  # stable: ties keep the order of LISTS, then of ids
    )
    for key, title, _, spec, _ in LISTS:
        if key not in TIMELINE:
            sections[key] = (title, [show(row, spec) for row in found[key]])
        elif "timeline" not in sections:
            entries = [
                [_field("kind", "種類", k, TIMELINE), *show(r, sp)] for _, k, r, sp in timeline
            ]
            sections["timeline"] = ("経過（記録・連絡・緊急対応）", entries)
    return {
        "format": FORMAT,
        "case_number": referral.case_number,
        "exported_at": _time(utcnow()),
        "anonymised": referral.anonymised_at is not None,
        "sections": {key: {"title": t, "entries": e} for key, (t, e) in sections.items()},
    }


def _rows(session: Session, model: Any, referral_id: int, order: str) -> list[Any]:
    statement = select(model).where(model.referral_id == referral_id)
    return list(session.scalars(statement.order_by(getattr(model, order), model.id)))


def _formatter(session: Session, rows: list[tuple[Any, Spec]]) -> Callable[[Any, Spec], list[dict]]:
    """Show rows by their specs, with staff and directory services looked up once, by name."""
    rows = [(row, spec) for row, spec in rows if row is not None]
    staff_ids = {getattr(r, a) for r, spec in rows for a, _, how in spec if how == STAFF}
    staff = _names(session, StaffUser.id, StaffUser.display_name, staff_ids - {None})
    service_ids = {getattr(r, "service_id", None) for r, _ in rows} - {None}
    services = _names(session, Service.id, Service.name, service_ids)

    def show(row: Any, spec: Spec) -> list[dict]:
        fields = []
        for attribute, label, how in spec:
            value = getattr(row, attribute)
            if how == STAFF and value is not None:
                value = staff.get(value, f"職員 {value}")
            elif how == "service" and value is not None:
                value = services.get(value, value)
            fields.append(_field(attribute.removesuffix("_id"), label, value, how))
        return fields

    return show


def _names(session: Session, key: Any, name: Any, ids: set[Any]) -> dict[Any, str]:
    if not ids:
        return {}
    return dict(session.execute(select(key, name).where(key.in_(ids))).all())


def _field(key: str, label: str, value: Any, how: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"key": key, "label": label}
    if isinstance(how, Mapping) and value is not None:
        field["code"] = value
        value = [how.get(v, v) for v in value] if isinstance(value, list) else how.get(value, value)
    elif how == TIME and value is not None:
        value = _time(value)
    elif isinstance(value, date):
        value = value.isoformat()
    field["value"] = value
    return field


def _time(moment: datetime) -> str:
    return moment.astimezone(TOKYO).isoformat(timespec="minutes")
