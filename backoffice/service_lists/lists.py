"""Making, changing, deleting and printing a 案内リスト, each audited.

A list holds published services of the directory in the order staff gave them, at most
`MAX_SERVICES` (what fits a handout of a few pages), and one note line printed under its title.
Refusals say what to change, in Japanese, and store nothing (`ListError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.service_lists.models import ServiceList, ServiceListItem
from backoffice.staff.actor import Actor
from core import audit
from core.problems import ProblemsError
from directory.models import Service
from directory.textnorm import strip_controls

NAME_LIMIT = 100
NOTE_LIMIT = 200
MAX_SERVICES = 30


class ListError(ProblemsError):
    """Values refused; nothing was stored."""


@dataclass(frozen=True)
class ListValues:
    name: str
    note: str = ""
    service_ids: list[str] = field(default_factory=list)  # in the order to print


def published_choices(session: Session) -> list[tuple[str, str]]:
    """Every published service, as the directory orders them: (id, name)."""
    rows = session.execute(
        select(Service.id, Service.name)
        .where(Service.status == "published")
        .order_by(Service.sort_order, Service.name)
    )
    return [(row.id, row.name) for row in rows]


def all_lists(session: Session) -> list[ServiceList]:
    statement = select(ServiceList).options(selectinload(ServiceList.items))
    return list(session.scalars(statement.order_by(ServiceList.updated_at.desc())))


def checked(session: Session, values: ListValues) -> ListValues:
    """The values cleaned (spaces trimmed, each service once), or `ListError`."""
    name = strip_controls(values.name).strip()
    note = strip_controls(values.note).strip()
    ids = list(dict.fromkeys(values.service_ids))
    problems = {}
    if not name:
        problems["name"] = "リストの名前を入力してください。"
    elif len(name) > NAME_LIMIT:
        problems["name"] = f"リストの名前は{NAME_LIMIT}文字以内で入力してください。"
    if "\n" in values.note.strip() or "\r" in values.note.strip():
        problems["note"] = "メモは1行で入力してください（印刷物のタイトルの下に1行で載ります）。"
    elif len(note) > NOTE_LIMIT:
        problems["note"] = f"メモは{NOTE_LIMIT}文字以内で入力してください。"
    published = {service_id for service_id, _ in published_choices(session)}
    if not ids:
        problems["services"] = "載せる相談先を1件以上選んでください。"
    elif len(ids) > MAX_SERVICES:
        problems["services"] = f"載せる相談先は{MAX_SERVICES}件までにしてください。"
    elif any(service_id not in published for service_id in ids):
        problems["services"] = "公開中の相談先から選んでください。"
    if problems:
        raise ListError(problems)
    return ListValues(name, note, ids)


def create_list(session: Session, values: ListValues, *, actor: Actor) -> ServiceList:
    clean = checked(session, values)
    service_list = ServiceList(name=clean.name, note=clean.note, created_by_id=actor.id)
    _set_items(service_list, clean.service_ids)
    session.add(service_list)
    session.flush()
    _record(session, "service_list.create", service_list, actor)
    return service_list


def update_list(
    session: Session, service_list: ServiceList, values: ListValues, *, actor: Actor
) -> None:
    clean = checked(session, values)
    service_list.name, service_list.note = clean.name, clean.note
    if clean.service_ids != service_list.service_ids:
        service_list.items.clear()
        session.flush()  # the old rows go before the new ones take their places
        _set_items(service_list, clean.service_ids)
    session.flush()
    _record(session, "service_list.update", service_list, actor)


def delete_list(session: Session, service_list: ServiceList, *, actor: Actor) -> None:
    _record(session, "service_list.delete", service_list, actor)
    session.delete(service_list)
    session.flush()


def record_print(session: Session, service_list: ServiceList, *, actor: Actor) -> None:
    _record(session, "service_list.print", service_list, actor)


def _set_items(service_list: ServiceList, service_ids: list[str]) -> None:
    service_list.items = [
        ServiceListItem(service_id=service_id, position=number)
        for number, service_id in enumerate(service_ids, start=1)
    ]


def _record(session: Session, action: str, service_list: ServiceList, actor: Actor) -> None:
    # The reason counts services: a list holds no personal data, and its name and note stay
    # out of the trail all the same (a note could still name someone by mistake).
    audit.record(
        session,
        action=action,
        actor=actor,
        object_type="service_list",
        object_id=service_list.id,
        client_network=actor.network,
        reason=f"{len(service_list.items)} services",
    )
