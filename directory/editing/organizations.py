"""Organisations (the bodies that run services): creating and editing them, field by field,
archiving and restoring them, and what staff read about them (their services, their history).

An archived organisation runs no published service: archiving is refused while one is
published, and an archived organisation cannot be chosen for a service (``check_choice``).
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from directory.editing.changes import EditError, clean, record_change
from directory.editing.checks import english_problem, is_https
from directory.models import ChangeRecord, Organization, Service


@dataclass(frozen=True)
class OrganizationSummary:
    """An organisation and how many of its services are in each publication state."""

    organization: Organization
    counts: Counter[str]

    @property
    def published(self) -> int:
        return self.counts["published"]

    @property
    def draft(self) -> int:
        return self.counts["draft"]

    @property
    def archived(self) -> int:
        return self.counts["archived"]


def save_organization(
    session: Session, organization: Organization | None, *, name: str, name_kana: str,
    description: str, website: str, editor: Any, network: str | None, name_en: str = "",
) -> Organization:  # fmt: skip
    """Create or update an organisation, recording each changed field."""
    if not name.strip():
        raise EditError({"name": "団体名を入力してください。"})
    if len(name_en) > 300 or (problem := english_problem(name_en)):
        raise EditError({"name_en": problem or "300文字以内で入力してください。"})
    if website and not is_https(website):
        raise EditError({"website": "ウェブサイトは https:// で始まるアドレスだけ登録できます。"})
    action = "update"
    if organization is None:
        organization = Organization(id=str(uuid.uuid4()), name=name.strip(), status="active")
        session.add(organization)
        action = "create"
    values = {"name": name, "name_kana": name_kana, "name_en": name_en}
    values |= {"description": description, "website": website}
    for field, value in values.items():
        old, new = getattr(organization, field), clean(value)
        if old != new or action == "create":
            setattr(organization, field, new)
            record_change(session, organization.id, "organization", action, field, old, new, editor)
    session.flush()
    _audit(session, action, organization, editor, network)
    return organization


def archive_organization(
    session: Session, organization: Organization, *, editor: Any, network: str | None
) -> None:
    """Archive an organisation that runs no published service; otherwise refuse and say why."""
    if organization.status == "archived":
        raise EditError({"status": "この団体はすでにアーカイブされています。"})
    published = session.scalar(
        select(func.count()).where(
            Service.organization_id == organization.id, Service.status == "published"
        )
    )
    if published:
        raise EditError({"status": (
            f"この団体には公開中の相談先が{published}件あるため、アーカイブできません。"
            "下の「この団体の相談先」から一つずつ開き、「公開の状態」を「下書き」か「公開終了」に"
            "変えて保存してから、もう一度アーカイブしてください。"
        )})  # fmt: skip
    _set_status(session, organization, "archived", editor, network)


def restore_organization(
    session: Session, organization: Organization, *, editor: Any, network: str | None
) -> None:
    """Make an archived organisation active again: it can be chosen for services once more."""
    if organization.status != "archived":
        raise EditError({"status": "この団体はアーカイブされていません。"})
    _set_status(session, organization, "active", editor, network)


def _set_status(
    session: Session, organization: Organization, status: str, editor: Any, network: str | None
) -> None:
    action = "archive" if status == "archived" else "restore"
    old, organization.status = organization.status, status
    record_change(session, organization.id, "organization", action, "status", old, status, editor)
    session.flush()
    _audit(session, action, organization, editor, network)


def _audit(
    session: Session, action: str, organization: Organization, editor: Any, network: str | None
) -> None:
    audit.record(
        session, action=f"directory.organization.{action}",
        actor=editor if hasattr(editor, "id") else None, object_type="organization",
        object_id=organization.id, client_network=network,
    )  # fmt: skip


def check_choice(
    session: Session, organization_id: str | None, current: str | None = None
) -> Organization:
    """The organisation chosen for a service: it must exist, and be active unless it is the
    service's own already (``current``), which a service keeps while staff edit other fields."""
    organization = session.get(Organization, organization_id) if organization_id else None
    if organization is None:
        raise EditError({"organization_id": "団体を選んでください。"})
    if organization.status == "archived" and organization.id != current:
        raise EditError({"organization_id": (
            f"「{organization.name}」はアーカイブされた団体のため選べません。"
            "ほかの団体を選ぶか、団体の一覧でこの団体をアーカイブから戻してください。"
        )})  # fmt: skip
    return organization


def organization_choices(session: Session, current: str | None = None) -> list[tuple[str, str]]:
    """Active organisations by name, for a service's form; and its own (``current``) always."""
    query = select(Organization).order_by(Organization.name)
    return [
        (o.id, o.name if o.status == "active" else f"{o.name}（アーカイブ済み）")
        for o in session.scalars(query)
        if o.status == "active" or o.id == current
    ]


def organization_overview(session: Session) -> list[OrganizationSummary]:
    """Every organisation, active ones first, by reading (those without one last), with counts."""
    counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
    rows = session.execute(
        select(Service.organization_id, Service.status, func.count())
        .group_by(Service.organization_id, Service.status)
    )  # fmt: skip
    for organization_id, status, count in rows:
        counts[organization_id][status] = count
    organizations = session.scalars(
        select(Organization).order_by(
            Organization.status, Organization.name_kana == "", Organization.name_kana,
            Organization.name,
        )
    )  # fmt: skip
    return [OrganizationSummary(o, counts[o.id]) for o in organizations]


def organization_services(session: Session, organization_id: str) -> Sequence[Service]:
    """Its services: published, then drafts, then archived ones, each by name."""
    return session.scalars(
        select(Service).where(Service.organization_id == organization_id)
        .order_by(Service.status.desc(), Service.name)
    ).all()  # fmt: skip


def organization_history(session: Session, organization_id: str) -> Sequence[ChangeRecord]:
    return session.scalars(
        select(ChangeRecord).where(
            ChangeRecord.resource_id == organization_id,
            ChangeRecord.resource_type == "organization",
        ).order_by(ChangeRecord.id.desc())
    ).all()  # fmt: skip
