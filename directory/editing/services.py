"""A service's own fields: creating, editing and verifying it, and the lists staff work from."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from directory.editing.changes import (
    EditError,
    audit_service_edit,
    clean,
    editor_name,
    record_change,
)
from directory.editing.checks import validate_service
from directory.editing.organizations import check_choice
from directory.models import ChangeRecord, Organization, Service, ServiceAtLocation, TaxonomyTerm

EDITABLE_FIELDS = (
    "name", "name_kana", "description", "url", "email", "audience", "hours_note", "cost",
    "cost_note", "anonymous", "languages_note", "address", "area", "status",
    "closed_on_holidays", "closed_over_year_end", "source_url", "source_date", "check_note",
    "needs_check", "audiences", "organization_id", "is_crisis_line",
    "name_en", "audience_en", "summary_en", "hours_note_en", "cost_note_en", "summary_easy",
)  # fmt: skip


def create_service(
    session: Session, organization: Organization, name: str, *, editor: Any, network: str | None
) -> Service:
    """A new draft service of an active organisation."""
    check_choice(session, organization.id)
    service = Service(
        id=str(uuid.uuid4()), organization=organization, name=name.strip(), status="draft"
    )
    session.add(service)
    session.flush()
    record_change(session, service.id, "service", "create", "name", "", service.name, editor)
    audit_service_edit(session, "directory.service.create", service.id, editor, network)
    return service


def update_service(
    session: Session,
    service: Service,
    values: Mapping[str, Any],
    *,
    topics: Sequence[TaxonomyTerm] | None = None,
    editor: Any,
    network: str | None,
) -> list[ChangeRecord]:
    """Apply the edited fields; nothing is changed if any field is refused."""
    merged = {field: getattr(service, field) for field in EDITABLE_FIELDS} | dict(values)
    problems = validate_service(merged) | _organization_problems(session, service, merged)
    if problems:
        raise EditError(problems)
    changes = []
    for field in EDITABLE_FIELDS:
        if field not in values:
            continue
        old, new = getattr(service, field), clean(values[field])
        if old != new:
            setattr(service, field, new)
            changes.append(
                record_change(session, service.id, "service", "update", field, old, new, editor)
            )
    if topics is not None and {t.id for t in topics} != {t.id for t in service.topics}:
        old_codes = ", ".join(sorted(t.code for t in service.topics))
        service.topics = list(topics)
        new_codes = ", ".join(sorted(t.code for t in topics))
        changes.append(
            record_change(
                session, service.id, "service", "update", "topics", old_codes, new_codes, editor
            )
        )
    if changes:
        audit_service_edit(session, "directory.service.update", service.id, editor, network,
                           reason=", ".join(c.field_name for c in changes))  # fmt: skip
    return changes


def _organization_problems(
    session: Session, service: Service, merged: Mapping[str, Any]
) -> dict[str, str]:
    """A service moves only to an active organisation, and one of an archived one stays
    unpublished: an archived organisation runs no published service."""
    try:
        organization = check_choice(session, merged["organization_id"], service.organization_id)
    except EditError as error:
        return error.problems
    if organization.status == "archived" and merged["status"] == "published":
        return {"status": (
            f"運営する団体「{organization.name}」がアーカイブされているため、公開できません。"
            "ほかの団体を選ぶか、団体の一覧でこの団体をアーカイブから戻してから公開してください。"
        )}  # fmt: skip
    return {}


def mark_verified(
    session: Session, service: Service, *, editor: Any, network: str | None, today: date
) -> None:
    """Staff confirmed the facts with the service itself: record who and when."""
    old = service.verified_at.isoformat() if service.verified_at else ""
    service.verified_at, service.verified_by = today, editor_name(editor)
    service.needs_check = False
    service.contact_confirmed = True  # its contacts become links on the public pages
    record_change(
        session, service.id, "service", "verify", "verified_at", old, today.isoformat(), editor
    )
    audit_service_edit(session, "directory.service.verify", service.id, editor, network)


def services_to_verify(session: Session) -> Sequence[Service]:
    return session.scalars(
        select(Service).where(Service.needs_check, Service.status != "archived")
        .order_by(Service.name)
    ).all()  # fmt: skip


def stale_services(session: Session, *, days: int, today: date) -> Sequence[Service]:
    """Services nobody has verified within ``days`` (or ever)."""
    cutoff = today - timedelta(days=days)
    return session.scalars(
        select(Service)
        .where(Service.status != "archived")
        .where(or_(Service.verified_at.is_(None), Service.verified_at < cutoff))
        .order_by(Service.verified_at.is_not(None), Service.verified_at, Service.name)
    ).all()


def history(session: Session, service_id: str) -> Sequence[ChangeRecord]:
    return session.scalars(
        select(ChangeRecord).where(ChangeRecord.resource_id == service_id)
        .order_by(ChangeRecord.id.desc())
    ).all()  # fmt: skip


def load_for_edit(session: Session, service_id: str) -> Service | None:
    return session.scalar(
        select(Service).where(Service.id == service_id).options(
            selectinload(Service.channels), selectinload(Service.schedules),
            selectinload(Service.topics), selectinload(Service.organization),
            selectinload(Service.service_areas), selectinload(Service.languages),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),
        )
    )  # fmt: skip
