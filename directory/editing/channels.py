"""A service's contact channels (phone, LINE, web, mail, in person): adding and removing them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from directory.editing.changes import EditError, audit_service_edit, record_change
from directory.editing.checks import check_channel
from directory.models import ContactChannel, Service


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


def remove_channel(
    session: Session, service: Service, channel_id: int, *, editor: Any, network: str | None
) -> None:
    channel = next((c for c in service.channels if c.id == channel_id), None)
    if channel is None:
        raise EditError({"channel": "その連絡方法は見つかりません。"})
    service.channels.remove(channel)
    old = f"{channel.kind}: {channel.value}"
    record_change(session, service.id, "service", "update", "channels", old, "", editor)
    audit_service_edit(session, "directory.channel.remove", service.id, editor, network)
