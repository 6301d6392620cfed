"""The case page, as every view that shows it builds it: what it holds for the signed-in user
(shaped by what they may see), the case again with a refused form's messages, and the page that
shows what someone else saved meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals import links, meetings, minutes, tasks
from backoffice.referrals.assignment import case_staff, liaisons
from backoffice.referrals.duplicates import duplicate_notices
from backoffice.referrals.fields import PART_FIELDS, PART_LABELS
from backoffice.referrals.models import FollowUp, Referral
from backoffice.referrals.scopes import liaison_fields, sees_all_cases, supervises_cases
from backoffice.referrals.sharing import shared_parts, unshared_fields
from backoffice.referrals.timeline import contact_offers, timeline
from backoffice.referrals.vocabulary import (
    AGE_LABELS,
    CONSENT_METHOD_LABELS,
    END_REASONS,
    GENDER_LABELS,
    LINK_STATUS_LABELS,
    METHOD_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
)
from backoffice.referrals.workflow import FOLLOW_UP_AFTER, allowed_next
from backoffice.views.referrals.casework_forms import LinkForm
from backoffice.views.referrals.forms import (
    CHOOSE,
    AssignForm,
    ContactForm,
    EmergencyForm,
    EndForm,
    ExtendSharingForm,
    FollowUpForm,
    IntakeForm,
    MemberForm,
    NoteForm,
    StatusForm,
    WithdrawForm,
    legal_hold_form,
)
from backoffice.views.referrals.pages import load_case, now_local, staff_names
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm, attach_problems, choices
from core.db import get_session, utcnow
from core.timezone import TOKYO, in_tokyo
from core.web import current_profile


@dataclass(frozen=True)
class Due:
    """One thing the case waits for, at the top of its page."""

    text: str
    when: str = ""  # the deadline as staff read it
    overdue: bool = False


def case_context(db: Session, referral: Referral, **forms: Any) -> dict[str, Any]:
    """Everything the case page shows, shaped by what the signed-in user may see."""
    who = current_actor()
    full = sees_all_cases(who)
    allowed = None if full else liaison_fields(referral)
    context: dict[str, Any] = {
        "referral": referral,
        "who": who,
        "full": full,
        "supervisor": supervises_cases(who),
        "may": (lambda field: allowed is None or field in allowed),
        "names": staff_names(db),
        "statuses": STATUS_LABELS,
        "timeline": timeline(db, referral, who),
        "follow_ups": db.scalars(
            select(FollowUp).where(FollowUp.referral_id == referral.id).order_by(FollowUp.held_on)
        ).all(),
        "section": current_profile().section,
        "topics": TOPIC_LABELS,
        "labels": {
            "age": AGE_LABELS,
            "gender": GENDER_LABELS,
            "method": METHOD_LABELS,
            "consent": CONSENT_METHOD_LABELS,
            "source": SOURCE_LABELS,
        },
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "sharing_form": forms.get("sharing_form") or sharing_form(referral),
        "unshared": unshared_fields(shared_parts(referral.consent)),
        "part_labels": PART_LABELS,
        "follow_up_form": forms.get("follow_up_form")
        or FollowUpForm(held_on=in_tokyo(utcnow()).date(), formdata=None),
        "end_reasons": END_REASONS,
        "link_statuses": LINK_STATUS_LABELS,
        "closing_links": _link_names(db, referral),
    }
    if full:
        context.update(_full_context(db, referral, forms))
    else:
        context["shared_minutes"] = minutes.shared_meeting_dates(db, referral)
    context["due"] = _due(referral, context)
    if context["supervisor"]:
        context["hold_form"] = legal_hold_form(referral)
    return context


def _full_context(db: Session, referral: Referral, forms: dict[str, Any]) -> dict[str, Any]:
    following = allowed_next(referral.status)
    status_form = forms.get("status_form") or StatusForm(version=referral.version, formdata=None)
    status_form.status.choices = choices(
        [(s, STATUS_LABELS[s]) for s in following if s != "ended"]  # ended: its own form
    )
    end_form = forms.get("end_form") or EndForm(
        version=referral.version,
        formdata=None,
        follow_up_due_on=in_tokyo(utcnow()).date() + FOLLOW_UP_AFTER,
    )
    staff = case_staff(db)
    assign_form = forms.get("assign_form") or AssignForm(version=referral.version, formdata=None)
    assign_form.assigned_to.choices = choices([CHOOSE, *((u.id, u.display_name) for u in staff)])
    member_form = forms.get("member_form") or MemberForm()
    member_form.staff_user.choices = choices([(u.id, u.display_name) for u in liaisons(db)])
    contact_form = forms.get("contact_form") or ContactForm(
        attempted_at=now_local(), version=referral.version, formdata=None
    )
    who = current_actor()
    context = {
        **panel(db, referral, forms.get("link_form")),
        "status_form": status_form,
        "end_form": end_form,
        "may_end": "ended" in following,
        "assign_form": assign_form,
        "may_take": who.id in {u.id for u in staff}
        and (referral.assigned_to_id != who.id or referral.acknowledged_at is None),
        "member_form": member_form,
        "note_form": forms.get("note_form") or NoteForm(),
        "contact_form": contact_form,
        "offers": contact_offers(db, referral),
        "emergency_form": forms.get("emergency_form")
        or EmergencyForm(acted_at=now_local(), formdata=None),
        "duplicates": duplicate_notices(db, referral, who),
    }
    for name in ("status", "end", "assign", "member", "note", "contact", "emergency"):
        own_ids(context[f"{name}_form"], name)
    return context


def own_ids(form: Any, prefix: str) -> Any:
    """Give a form's fields ids of their own (``contact-note``), so several forms with a field
    of the same name sit on one page and each label names its own field; names are unchanged."""
    for field in form:
        field.id = field.label.field_id = f"{prefix}-{field.name}"
    return form


def _link_names(db: Session, referral: Referral) -> list[tuple[str, str]]:
    """The agencies the case was linked to, with how it stands, as everyone reads them."""
    return [
        (links.target_name(db, link.service_id, link.agency_name), link.status)
        for link in links.links_of(db, referral.id)
    ]


def _due(referral: Referral, context: dict[str, Any]) -> list[Due]:
    """What the case waits for, the most pressing first: the full list for the city's staff,
    the follow-up for a liaison."""
    now = utcnow()
    items: list[Due] = []
    open_case = referral.status in ("received", "first_contact", "arranging", "supporting")
    if context["full"] and open_case:
        if referral.assigned_to_id is None:
            items.append(Due("担当者が決まっていません。"))
        elif referral.acknowledged_at is None:
            name = context["names"].get(referral.assigned_to_id, "")
            items.append(Due(f"受け取り未確認（担当: {name}）"))
        if referral.first_contact_at is None:
            items.append(Due("初回連絡がまだです。"))
        for task in context["casework_tasks"]:
            if task.done_at is None:
                when = f"期限 {in_tokyo(task.due_at):%Y-%m-%d %H:%M}"
                items.append(Due(f"タスク: {task.title}", when, task.due_at < now))
    if referral.status == "ended" and referral.follow_up_due_on is not None:
        due_on = referral.follow_up_due_on
        late = due_on < in_tokyo(now).date()
        items.append(Due("フォローアップ", f"フォローアップ期日 {due_on.isoformat()}", late))
    return items


def panel(db: Session, referral: Referral, link_form: Any = None) -> dict[str, Any]:
    """What ``backoffice/casework/_panel.html`` shows on a case page."""
    if link_form is None:
        link_form = LinkForm(linked_on=in_tokyo(utcnow()).date(), formdata=None)
    link_form.service_id.choices = [
        ("", "（一覧にない機関のときは選ばない）"),
        *((s.id, f"{s.name}（{s.organization.name}）") for s in links.published_services(db)),
    ]
    return {
        "link_form": own_ids(link_form, "link"),
        "casework_meetings": meetings.meetings_of(db, referral.id),
        "casework_links": [
            (link, links.target_name(db, link.service_id, link.agency_name))
            for link in links.links_of(db, referral.id)
        ],
        "casework_tasks": tasks.tasks_of(db, referral.id),
        "casework_names": staff_names(db),
        "casework_form": EmptyForm(),
        "casework_now": utcnow(),
        "link_statuses": LINK_STATUS_LABELS,
    }


def sharing_form(referral: Referral, formdata: Any = None) -> ExtendSharingForm:
    """The form that extends the consent, offering only the parts not shared yet."""
    form = ExtendSharingForm(formdata=formdata)
    missing = [p for p in PART_FIELDS if p not in shared_parts(referral.consent)]
    form.parts.choices = choices([(p, PART_LABELS[p]) for p in missing])
    return form


def refused(referral: Referral, form_name: str, form: Any, problems: dict[str, str]):
    """Show the case again, the form's messages by their fields; nothing stays changed."""
    db = get_session()
    db.rollback()
    attach_problems(form, problems)
    referral = load_case(referral.id)
    db.commit()  # the read's audit event
    context = case_context(db, referral, **{form_name: form})
    return render_template("backoffice/referrals/detail.html", **context), 400


def conflict_page(referral: Referral, submitted: dict[str, Any]) -> tuple[str, int]:
    """Someone saved the case meanwhile: show what differs; nothing was overwritten."""
    labels = {name: str(field.label.text) for name, field in IntakeForm()._fields.items()}
    labels |= {"status": "状態", "assigned_to_id": "担当の職員", "acknowledged_at": "受け取り確認"}
    names = staff_names(get_session())
    differences = [
        (labels.get(name, name), _shown(value, names), _shown(getattr(referral, name), names))
        for name, value in submitted.items()
        if (value or None) != (getattr(referral, name) or None)
    ]
    return render_template(
        "backoffice/referrals/conflict.html", referral=referral, differences=differences
    ), 409


def _shown(value: Any, names: dict[int, str]) -> str:
    """A stored or submitted value as staff read it."""
    codes = {**STATUS_LABELS, **AGE_LABELS, **GENDER_LABELS, **METHOD_LABELS, **TOPIC_LABELS}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return names.get(value, str(value))
    if isinstance(value, list | tuple):
        return "、".join(codes.get(str(v), str(v)) for v in value) or "—"
    return codes.get(str(value), str(value))
