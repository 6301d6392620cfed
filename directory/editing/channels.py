"""A service's contact channels (phone, LINE, web, mail, in person): adding, editing, removing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from directory.editing.changes import (
    EditError,
    audit_service_edit,
    clean,
    record_change,
    set_changed,
)
from directory.editing.checks import check_channel
from directory.models import CHANNEL_KINDS, ChangeRecord, ContactChannel, Service

CHANNEL_FIELDS = ("kind", "value", "label")


def add_channel(
    session: Session, service: Service, kind: str, value: str, label: str, *,
    editor: Any, network: str | None,
) -> ContactChannel:  # fmt: skip
    problem = check_channel(kind, value)
    if problem:
        raise EditError({"value": problem})
    order = max((c.sort_order for c in service.channels), default=-1) + 1
    channel = ContactChannel(kind=kind, value=value.strip(), label=label.strip(), sort_order=order)
    service.channels.append(channel)
    record_change(
        session, service.id, "service", "update", "channels", "", f"{kind}: {value}", editor
    )
    audit_service_edit(session, "directory.channel.add", service.id, editor, network)
    return channel


def find_channel(service: Service, channel_id: int) -> ContactChannel:
    channel = next((c for c in service.channels if c.id == channel_id), None)
    if channel is None:
        raise EditError({"channel": "その連絡方法は見つかりません。"})
    return channel


def update_channel(
    session: Session, service: Service, channel_id: int, values: Mapping[str, Any], *,
    editor: Any, network: str | None,
) -> list[ChangeRecord]:  # fmt: skip
    """Change a channel in place: its kind, value, label and position in the list (1 = first).

    Checked as a new channel is; nothing changes if anything is refused. Each changed field is
    recorded as "channel <position> <field>", the position it had on the page.
    """
    channel = find_channel(service, channel_id)
    ordered = list(service.channels)
    old_position = ordered.index(channel) + 1
    new = {f: clean(values.get(f, getattr(channel, f)) or "") for f in CHANNEL_FIELDS}
    position = _position(values.get("position", old_position), len(ordered))
    problems = _channel_problems(new["kind"], new["value"])
    if position is None:
        problems["position"] = f"表示の順番は 1 から {len(ordered)} までの数で選んでください。"
    if problems or position is None:
        raise EditError(problems)
    name = f"channel {old_position}"
    changes = set_changed(session, service.id, channel, name, new, editor)
    if position != old_position:
        ordered.remove(channel)
        ordered.insert(position - 1, channel)
        for order, each in enumerate(ordered):
            each.sort_order = order
        changes.append(
            _record(session, service, f"{name} position", old_position, position, editor)
        )
    if changes:
        audit_service_edit(session, "directory.channel.update", service.id, editor, network,
                           reason=", ".join(c.field_name for c in changes))  # fmt: skip
    return changes


def remove_channel(
    session: Session, service: Service, channel_id: int, *, editor: Any, network: str | None
) -> None:
    channel = find_channel(service, channel_id)
    service.channels.remove(channel)
    old = f"{channel.kind}: {channel.value}"
    record_change(session, service.id, "service", "update", "channels", old, "", editor)
    audit_service_edit(session, "directory.channel.remove", service.id, editor, network)


def _channel_problems(kind: str, value: str) -> dict[str, str]:
    problem = check_channel(kind, value)
    if problem is None:
        return {}
    return {"kind" if kind not in CHANNEL_KINDS else "value": problem}


def _position(raw: Any, count: int) -> int | None:
    """A position from 1 to ``count``, or None when ``raw`` is not one."""
    try:
        position = int(str(raw).strip())
    except ValueError:
        return None
    return position if 1 <= position <= count else None


def _record(
    session: Session, service: Service, field: str, old: Any, new: Any, editor: Any
) -> ChangeRecord:
    return record_change(session, service.id, "service", "update", field, old, new, editor)
