"""Staff edits to the directory: validated, recorded field by field, and audited.

Every change leaves a ``ChangeRecord`` per field (HSDS metadata: who, when, old and new value)
that staff can read on the service page, and an audit event through ``core.audit``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from core import audit
from directory.models import (
    AREAS,
    AUDIENCES,
    CHANNEL_KINDS,
    COST_KINDS,
    PUBLICATION_STATES,
    ChangeRecord,
    ContactChannel,
    Location,
    Organization,
    Schedule,
    SearchSynonym,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

PHONE = re.compile(r"^(?:#\d{4}|1\d{2}|0\d{1,4}-\d{1,6}(?:-\d{1,5})?|0\d{8,10})$")
LINE_ID = re.compile(r"^@[A-Za-z0-9._-]{2,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EDITABLE_FIELDS = (
    "name", "name_kana", "description", "url", "email", "audience", "hours_note", "cost",
    "cost_note", "anonymous", "languages_note", "address", "area", "status",
    "closed_on_holidays", "closed_over_year_end", "source_url", "source_date", "check_note",
    "needs_check", "audiences", "organization_id",
)  # fmt: skip


class EditError(ValueError):
    """Refused input: ``problems`` maps each field to a message for the person editing."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


def check_channel(kind: str, value: str) -> str | None:
    """Why a contact channel is not acceptable, or None. Only https, tel and LINE ids pass."""
    value = value.strip()
    if kind not in CHANNEL_KINDS:
        return "連絡方法の種類を選んでください。"
    if not value:
        return "番号やアドレスを入力してください。"
    if kind == "phone":
        return (
            None
            if PHONE.match(value)
            else "電話番号は 0120-000-000 や #8008 の形で入力してください。"
        )
    if kind == "email":
        return None if EMAIL.match(value) else "メールアドレスの形が正しくありません。"
    if kind in ("line", "sns") and LINE_ID.match(value):
        return None
    if kind == "in_person":
        return None
    return None if _is_https(value) else "アドレスは https:// で始まるものだけ登録できます。"


def _is_https(value: str) -> bool:
    return value.startswith("https://") and " " not in value and len(value) <= 500


def validate_service(values: Mapping[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not str(values.get("name", "")).strip():
        problems["name"] = "名称を入力してください。"
    if values.get("cost", "unknown") not in COST_KINDS:
        problems["cost"] = "料金の区分を選んでください。"
    if values.get("area", "national") not in AREAS:
        problems["area"] = "地域の区分を選んでください。"
    if values.get("status", "draft") not in PUBLICATION_STATES:
        problems["status"] = "公開の状態を選んでください。"
    if not set(values.get("audiences", [])) <= set(AUDIENCES):
        problems["audiences"] = "対象の区分が正しくありません。"
    url = str(values.get("url", "")).strip()
    if url and not _is_https(url):
        problems["url"] = "ウェブサイトは https:// で始まるアドレスだけ登録できます。"
    email = str(values.get("email", "")).strip()
    if email and not EMAIL.match(email):
        problems["email"] = "メールアドレスの形が正しくありません。"
    return problems


def create_service(
    session: Session, organization: Organization, name: str, *, editor: Any, network: str | None
) -> Service:
    service = Service(
        id=str(uuid.uuid4()), organization=organization, name=name.strip(), status="draft"
    )
    session.add(service)
    session.flush()
    _record(session, service.id, "service", "create", "name", "", service.name, editor)
    _audit(session, "directory.service.create", service.id, editor, network)
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
    problems = validate_service(merged)
    if problems:
        raise EditError(problems)
    changes = []
    for field in EDITABLE_FIELDS:
        if field not in values:
            continue
        old, new = getattr(service, field), _clean(values[field])
        if old != new:
            setattr(service, field, new)
            changes.append(
                _record(session, service.id, "service", "update", field, old, new, editor)
            )
    if topics is not None and {t.id for t in topics} != {t.id for t in service.topics}:
        old_codes = ", ".join(sorted(t.code for t in service.topics))
        service.topics = list(topics)
        new_codes = ", ".join(sorted(t.code for t in topics))
        changes.append(
            _record(
                session, service.id, "service", "update", "topics", old_codes, new_codes, editor
            )
        )
    if changes:
        _audit(session, "directory.service.update", service.id, editor, network,
               reason=", ".join(c.field_name for c in changes))  # fmt: skip
    return changes


def mark_verified(
    session: Session, service: Service, *, editor: Any, network: str | None, today: date
) -> None:
    """Staff confirmed the facts with the service itself: record who and when."""
    old = service.verified_at.isoformat() if service.verified_at else ""
    service.verified_at, service.verified_by = today, _name(editor)
    service.needs_check = False
    _record(session, service.id, "service", "verify", "verified_at", old, today.isoformat(), editor)
    _audit(session, "directory.service.verify", service.id, editor, network)


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
    _record(session, service.id, "service", "update", "channels", "", f"{kind}: {value}", editor)
    _audit(session, "directory.channel.add", service.id, editor, network)
    return channel


def remove_channel(
    session: Session, service: Service, channel_id: int, *, editor: Any, network: str | None
) -> None:
    channel = next((c for c in service.channels if c.id == channel_id), None)
    if channel is None:
        raise EditError({"channel": "その連絡方法は見つかりません。"})
    service.channels.remove(channel)
    old = f"{channel.kind}: {channel.value}"
    _record(session, service.id, "service", "update", "channels", old, "", editor)
    _audit(session, "directory.channel.remove", service.id, editor, network)


def add_schedule(
    session: Session, service: Service, schedule: Schedule, *, editor: Any, network: str | None
) -> None:
    problems = _schedule_problems(schedule)
    if problems:
        raise EditError(problems)
    service.schedules.append(schedule)
    _record(session, service.id, "service", "update", "schedules", "", describe(schedule), editor)
    _audit(session, "directory.schedule.add", service.id, editor, network)


def remove_schedule(
    session: Session, service: Service, schedule_id: int, *, editor: Any, network: str | None
) -> None:
    schedule = next((s for s in service.schedules if s.id == schedule_id), None)
    if schedule is None:
        raise EditError({"schedule": "その受付時間は見つかりません。"})
    service.schedules.remove(schedule)
    _record(session, service.id, "service", "update", "schedules", describe(schedule), "", editor)
    _audit(session, "directory.schedule.remove", service.id, editor, network)


def describe(schedule: Schedule) -> str:
    days = "月火水木金土日"
    when = (
        days[schedule.weekday] if schedule.weekday is not None
        else f"{schedule.valid_from}〜{schedule.valid_to or schedule.valid_from}"
    )  # fmt: skip
    if schedule.closed:
        return f"{when} 休み"
    hours = f"{_hm(schedule.opens_at)}–{_hm(schedule.closes_at)}"
    intake = f"（受付{_hm(schedule.last_intake_at)}まで）" if schedule.last_intake_at else ""
    return f"{when} {hours}{intake}"


def _schedule_problems(schedule: Schedule) -> dict[str, str]:
    problems = {}
    if schedule.kind == "weekly":
        if schedule.weekday is None or not 0 <= schedule.weekday <= 6:
            problems["weekday"] = "曜日を選んでください。"
        if schedule.opens_at is None or schedule.closes_at is None:
            problems["opens_at"] = "開始と終了の時刻を入力してください。"
    elif schedule.kind == "exception":
        if schedule.valid_from is None:
            problems["valid_from"] = "日付を入力してください。"
        if schedule.valid_to and schedule.valid_from and schedule.valid_to < schedule.valid_from:
            problems["valid_to"] = "終わりの日付は始まりの日付より後にしてください。"
        if not schedule.closed and (schedule.opens_at is None or schedule.closes_at is None):
            problems["opens_at"] = "休みでない日は、開始と終了の時刻を入力してください。"
    else:
        problems["kind"] = "種類が正しくありません。"
    return problems


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
            selectinload(Service.service_areas),
            selectinload(Service.service_at_locations).selectinload(ServiceAtLocation.location),
        )
    )  # fmt: skip


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return "".join(ch for ch in value.strip() if ch in "\n\t" or ch.isprintable())
    if isinstance(value, list | tuple):
        return sorted(value)
    return value


def _hm(value: time | None) -> str:
    return f"{value.hour}:{value.minute:02d}" if value else ""


def _name(editor: Any) -> str:
    return getattr(editor, "display_name", None) or getattr(editor, "login", None) or str(editor)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _record(
    session: Session, resource_id: str, resource_type: str, action: str, field: str,
    old: Any, new: Any, editor: Any,
) -> ChangeRecord:  # fmt: skip
    record = ChangeRecord(
        resource_id=resource_id, resource_type=resource_type, last_action_type=action,
        field_name=field, previous_value=_text(old), replacement_value=_text(new),
        updated_by=_name(editor),
    )  # fmt: skip
    session.add(record)
    return record


def _audit(
    session: Session, action: str, service_id: str, editor: Any, network: str | None,
    reason: str | None = None,
) -> None:  # fmt: skip
    audit.record(
        session, action=action, actor=editor if hasattr(editor, "id") else None,
        object_type="service", object_id=service_id, client_network=network, reason=reason,
    )  # fmt: skip


def save_organization(
    session: Session, organization: Organization | None, *, name: str, name_kana: str,
    description: str, website: str, editor: Any, network: str | None,
) -> Organization:  # fmt: skip
    """Create or update an organisation, recording each changed field."""
    if not name.strip():
        raise EditError({"name": "団体名を入力してください。"})
    if website and not _is_https(website):
        raise EditError({"website": "ウェブサイトは https:// で始まるアドレスだけ登録できます。"})
    action = "update"
    if organization is None:
        organization = Organization(id=str(uuid.uuid4()), name=name.strip())
        session.add(organization)
        action = "create"
    values = {"name": name, "name_kana": name_kana, "description": description, "website": website}
    for field, value in values.items():
        old, new = getattr(organization, field), _clean(value)
        if old != new or action == "create":
            setattr(organization, field, new)
            _record(session, organization.id, "organization", action, field, old, new, editor)
    session.flush()
    audit.record(
        session, action=f"directory.organization.{action}", actor=editor,
        object_type="organization", object_id=organization.id, client_network=network,
    )  # fmt: skip
    return organization


MAX_SYNONYMS = 20
MAX_SYNONYM_LENGTH = 30


def synonym_groups(session: Session) -> Sequence[SearchSynonym]:
    return session.scalars(select(SearchSynonym).order_by(SearchSynonym.id)).all()


def add_synonym_group(
    session: Session, text: str, note: str, *, editor: Any, network: str | None
) -> SearchSynonym:
    """Words separated by commas or spaces that search should treat as one (e.g. 借金, ローン)."""
    terms = list(dict.fromkeys(t for t in re.split(r"[,、，\s]+", _clean(text)) if t))
    if len(terms) < 2:
        raise EditError(
            {"terms": "同じ意味として扱う言葉を二つ以上、読点（、）で区切って入力してください。"}
        )
    if len(terms) > MAX_SYNONYMS or any(len(t) > MAX_SYNONYM_LENGTH for t in terms):
        raise EditError(
            {"terms": f"言葉は{MAX_SYNONYMS}個まで、一つ{MAX_SYNONYM_LENGTH}文字までです。"}
        )
    group = SearchSynonym(terms=terms, note=_clean(note)[:500])
    session.add(group)
    session.flush()
    _record(session, str(group.id), "synonym", "create", "terms", "", "、".join(terms), editor)
    audit.record(
        session, action="directory.synonym.add", actor=editor if hasattr(editor, "id") else None,
        object_type="search_synonym", object_id=str(group.id), client_network=network,
    )  # fmt: skip
    return group


def remove_synonym_group(
    session: Session, group_id: int, *, editor: Any, network: str | None
) -> None:
    group = session.get(SearchSynonym, group_id)
    if group is None:
        raise EditError({"terms": "その言葉のまとまりは見つかりません。"})
    _record(
        session, str(group.id), "synonym", "delete", "terms", "、".join(group.terms), "", editor
    )
    session.delete(group)
    audit.record(
        session, action="directory.synonym.remove", actor=editor if hasattr(editor, "id") else None,
        object_type="search_synonym", object_id=str(group_id), client_network=network,
    )  # fmt: skip


def add_location(
    session: Session, service: Service, values: Mapping[str, str], *, editor: Any,
    network: str | None,
) -> ServiceAtLocation:  # fmt: skip
    """A place where the service is offered (address, access, accessibility)."""
    cleaned = {key: _clean(values.get(key, "")) for key in LOCATION_FIELDS}
    if not (cleaned["name"] or cleaned["address_1"]):
        raise EditError({"name": "場所の名前か住所を入力してください。"})
    location = Location(id=str(uuid.uuid4()), organization_id=service.organization_id, **cleaned)
    link = ServiceAtLocation(id=str(uuid.uuid4()), service=service, location=location)
    session.add_all([location, link])
    summary = " ".join(v for v in (cleaned["name"], cleaned["address_1"]) if v)
    _record(session, service.id, "service", "update", "locations", "", summary, editor)
    _audit(session, "directory.location.add", service.id, editor, network)
    return link


def remove_location(
    session: Session, service: Service, link_id: str, *, editor: Any, network: str | None
) -> None:
    link = next((sal for sal in service.service_at_locations if sal.id == link_id), None)
    if link is None:
        raise EditError({"location": "その場所は見つかりません。"})
    summary = " ".join(v for v in (link.location.name, link.location.address_1) if v)
    service.service_at_locations.remove(link)
    _record(session, service.id, "service", "update", "locations", summary, "", editor)
    _audit(session, "directory.location.remove", service.id, editor, network)


def set_service_areas(
    session: Session, service: Service, areas: Sequence[tuple[str, str]], *, editor: Any,
    network: str | None,
) -> None:  # fmt: skip
    """Replace where the service is for: (name, extent type) pairs, e.g. ("峰山町", "district")."""
    old = "、".join(a.name for a in service.service_areas)
    new = "、".join(name for name, _ in areas)
    if old == new:
        return
    service.service_areas = [ServiceArea(name=name, extent_type=kind) for name, kind in areas]
    _record(session, service.id, "service", "update", "service_areas", old, new, editor)
    _audit(session, "directory.service.update", service.id, editor, network, reason="service_areas")


LOCATION_FIELDS = (
    "name", "postal_code", "state_province", "city", "address_1", "transportation",
    "accessibility",
)  # fmt: skip
