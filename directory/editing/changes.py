"""What every edit leaves behind: a refusal with its reasons, or a change record and an audit event.

A ``ChangeRecord`` per changed field (HSDS metadata: who, when, old and new value) is what staff
read on the service page; the audit event goes through ``core.audit``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from core.problems import ProblemsError
from directory.models import ChangeRecord


class EditError(ProblemsError):
    """Refused input: ``problems`` maps each field to a message for the person editing."""


def clean(value: Any) -> Any:
    """Text without surrounding space or control characters; lists in a stable order."""
    if isinstance(value, str):
        return "".join(ch for ch in value.strip() if ch in "\n\t" or ch.isprintable())
    if isinstance(value, list | tuple):
        return sorted(value)
    return value


def editor_name(editor: Any) -> str:
    return getattr(editor, "display_name", None) or getattr(editor, "login", None) or str(editor)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def record_change(
    session: Session, resource_id: str, resource_type: str, action: str, field: str,
    old: Any, new: Any, editor: Any,
) -> ChangeRecord:  # fmt: skip
    record = ChangeRecord(
        resource_id=resource_id, resource_type=resource_type, last_action_type=action,
        field_name=field, previous_value=_text(old), replacement_value=_text(new),
        updated_by=editor_name(editor),
    )  # fmt: skip
    session.add(record)
    return record


def set_changed(
    session: Session, service_id: str, item: Any, name: str, new: Mapping[str, Any],
    editor: Any, shown: Callable[[str, Any], Any] = lambda _field, value: value,
) -> list[ChangeRecord]:  # fmt: skip
    """Set each field of one of a service's items (a channel, a row of hours) that ``new``
    changes, recording it in the service's history as "<name> <field>" (values as ``shown``)."""
    changes = []
    for field, value in new.items():
        old = getattr(item, field)
        if old != value:
            setattr(item, field, value)
            changes.append(record_change(
                session, service_id, "service", "update", f"{name} {field}",
                shown(field, old), shown(field, value), editor,
            ))  # fmt: skip
    return changes


def audit_service_edit(
    session: Session, action: str, service_id: str, editor: Any, network: str | None,
    reason: str | None = None,
) -> None:  # fmt: skip
    audit.record(
        session, action=action, actor=editor if hasattr(editor, "id") else None,
        object_type="service", object_id=service_id, client_network=network, reason=reason,
    )  # fmt: skip
