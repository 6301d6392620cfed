"""Organisations (the bodies that run services): creating and editing them, field by field."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from directory.editing.changes import EditError, clean, record_change
from directory.editing.checks import is_https
from directory.models import Organization


def save_organization(
    session: Session, organization: Organization | None, *, name: str, name_kana: str,
    description: str, website: str, editor: Any, network: str | None,
) -> Organization:  # fmt: skip
    """Create or update an organisation, recording each changed field."""
    if not name.strip():
        raise EditError({"name": "団体名を入力してください。"})
    if website and not is_https(website):
        raise EditError({"website": "ウェブサイトは https:// で始まるアドレスだけ登録できます。"})
    action = "update"
    if organization is None:
        organization = Organization(id=str(uuid.uuid4()), name=name.strip())
        session.add(organization)
        action = "create"
    values = {"name": name, "name_kana": name_kana, "description": description, "website": website}
    for field, value in values.items():
        old, new = getattr(organization, field), clean(value)
        if old != new or action == "create":
            setattr(organization, field, new)
            record_change(session, organization.id, "organization", action, field, old, new, editor)
    session.flush()
    audit.record(
        session, action=f"directory.organization.{action}", actor=editor,
        object_type="organization", object_id=organization.id, client_network=network,
    )  # fmt: skip
    return organization
