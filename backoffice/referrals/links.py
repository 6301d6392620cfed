"""具体的支援: the person linked to a published directory service or a named agency, with the
link's status and outcome. Saves against an older version are refused.

After the person withdraws consent nothing more goes to agencies: no new link, no link moved to
another agency, no link marked "connected". Links may still be closed (declined, ended) and
their outcome written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError

from backoffice.referrals.casework import LINK_STATUSES, ReferralLink
from backoffice.referrals.consent import UNCONSENTED, extend_consent, unconsented
from backoffice.referrals.models import Referral
from backoffice.referrals.trail import record_case_event
from backoffice.referrals.vocabulary import LINK_STATUS_LABELS
from backoffice.referrals.workflow import ConflictError, check_version
from backoffice.staff.actor import Actor
from core.problems import ProblemsError
from directory.models import Service

TEXT_LIMIT = 4000
NAME_LIMIT = 300
WITHDRAWN_MESSAGE = (
    "本人が同意を撤回しているため、関係機関へのつなぎは登録できません。"
    "同意の撤回のあとは、関係機関と情報を共有しません。"
)
WITHDRAWN_CONNECT = (
    "本人が同意を撤回しているため、「つながった」にはできません。"
    "同意の撤回のあとは、関係機関と情報を共有しません。"
)


class LinkError(ProblemsError):
    """A link refused as it stands: nothing was stored or changed."""


@dataclass
class LinkValues:
    service_id: str | None
    agency_name: str
    linked_on: date | None
    status: str = "proposed"
    outcome: str = ""
    consent_confirmed: bool = False  # an agency the consent does not name: agreed since


def published_services(session: Session) -> list[Service]:
    statement = select(Service).where(Service.status == "published")
    statement = statement.options(joinedload(Service.organization))
    return list(session.scalars(statement.order_by(Service.name_kana, Service.name)))


def values_of(link: ReferralLink) -> LinkValues:
    return LinkValues(
        service_id=link.service_id,
        agency_name=link.agency_name,
        linked_on=link.linked_on,
        status=link.status,
        outcome=link.outcome or "",
    )


def target_name(session: Session, service_id: str | None, agency_name: str) -> str:
    """Whom the link is to, as staff read it."""
    service = session.get(Service, service_id) if service_id else None
    if service is None:
        return agency_name or service_id or ""
    return f"{service.name}（{service.organization.name}）"


def validate_link(
    session: Session, referral: Referral, values: LinkValues, current: ReferralLink | None
) -> dict[str, str]:
    """Problems by field, each a Japanese sentence; empty when the link may be stored."""
    problems: dict[str, str] = {}
    if not values.service_id and not values.agency_name.strip():
        problems["service_id"] = "つなぎ先を一覧から選ぶか、機関の名前を入力してください。"
    elif values.service_id and values.agency_name.strip():
        problems["agency_name"] = "一覧から選んだときは、機関の名前は空欄にしてください。"
    unchanged = current is not None and current.service_id == values.service_id
    if values.service_id and not unchanged:
        service = session.get(Service, values.service_id)
        if service is None or service.status != "published":
            problems["service_id"] = "つなぎ先を一覧から選んでください。"
    if len(values.agency_name.strip()) > NAME_LIMIT:
        problems["agency_name"] = f"機関の名前は{NAME_LIMIT}文字以内で入力してください。"
    if values.linked_on is None:
        problems["linked_on"] = "日付を入力してください。"
    if values.status not in LINK_STATUSES:
        problems["status"] = "状態を一覧から選んでください。"
    if len(values.outcome) > TEXT_LIMIT:
        problems["outcome"] = f"{TEXT_LIMIT}文字以内で入力してください。"
    if referral.consent is not None and referral.consent.withdrawn:
        problems.update(_withdrawn_problems(values, current))
    elif not values.consent_confirmed and unconsented(
        referral, new_agency(session, values, current)
    ):
        problems.setdefault("service_id", UNCONSENTED)
    return problems


def new_agency(session: Session, values: LinkValues, current: ReferralLink | None) -> list[str]:
    """The agency this save links to, by name, unless the link already pointed there."""
    target = (values.service_id or None, values.agency_name.strip())
    if current is not None and (current.service_id, current.agency_name) == target:
        return []
    name = target_name(session, values.service_id, values.agency_name.strip())
    return [name] if name else []


def _withdrawn_problems(values: LinkValues, current: ReferralLink | None) -> dict[str, str]:
    if current is None:
        return {"service_id": WITHDRAWN_MESSAGE}
    moved = (values.service_id, values.agency_name.strip()) != (
        current.service_id,
        current.agency_name,
    )
    if moved:
        return {"service_id": WITHDRAWN_MESSAGE}
    if values.status == "connected" and current.status != "connected":
        return {"status": WITHDRAWN_CONNECT}
    return {}


def create_link(
    session: Session,
    referral: Referral,
    values: LinkValues,
    *,
    actor: Actor,
) -> ReferralLink:
    """Record a link, or raise `LinkError` having stored nothing."""
    problems = validate_link(session, referral, values, None)
    if problems:
        raise LinkError(problems)
    extend_consent(session, referral, new_agency(session, values, None), actor=actor)
    link = ReferralLink(referral_id=referral.id, recorded_by_id=actor.id)
    _apply(link, values)
    session.add(link)
    session.flush()
    _audit(session, "referral.link.create", link, actor)
    return link


def update_link(
    session: Session,
    referral: Referral,
    link: ReferralLink,
    values: LinkValues,
    *,
    actor: Actor,
    expected_version: int | None,
) -> ReferralLink:
    """Change a link; `ConflictError` if it changed since the form was opened, `LinkError` if
    the values are refused. Either way nothing is changed."""
    check_version(link, expected_version)
    problems = validate_link(session, referral, values, link)
    if problems:
        raise LinkError(problems)
    extend_consent(session, referral, new_agency(session, values, link), actor=actor)
    _apply(link, values)
    link.recorded_by_id = actor.id
    try:
        session.flush()
    except StaleDataError as error:  # saved by someone else between our read and our write
        raise ConflictError(link) from error
    _audit(session, "referral.link.update", link, actor)
    return link


def links_of(session: Session, referral_id: int) -> list[ReferralLink]:
    statement = select(ReferralLink).where(ReferralLink.referral_id == referral_id)
    return list(session.scalars(statement.order_by(ReferralLink.linked_on.desc(), ReferralLink.id)))


def _apply(link: ReferralLink, values: LinkValues) -> None:
    link.service_id = values.service_id or None
    link.agency_name = values.agency_name.strip()
    link.linked_on = values.linked_on  # type: ignore[assignment]  (validated: not None)
    link.status = values.status
    link.outcome = values.outcome.strip() or None


def _audit(session: Session, action: str, link: Any, actor: Actor) -> None:
    reason = f"referral_link:{link.id}"
    record_case_event(session, action, link.referral_id, actor, reason=reason)


def describe(session: Session, values: LinkValues) -> dict[str, str]:
    """The values as staff read them, by form field (to show what a stale save would change)."""
    return {
        "service_id": target_name(session, values.service_id, values.agency_name.strip()),
        "linked_on": str(values.linked_on or ""),
        "status": LINK_STATUS_LABELS.get(values.status, values.status),
        "outcome": values.outcome.strip(),
    }
