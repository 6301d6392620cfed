"""The subject's page, as every view that shows it builds it: the record, its contacts and
cards, the matches told to coordinators, and the forms to record a contact, its result or a new
status (a refused one again with its messages)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.outreach.matches import match_notices
from backoffice.outreach.models import OPEN_STATUSES, CardHandout, OutreachSubject
from backoffice.outreach.status import allowed_next
from backoffice.outreach.vocabulary import (
    AGENCY_KIND_LABELS,
    CONCERN_LABELS,
    CONTACT_KIND_LABELS,
    CONTACT_RESULT_LABELS,
    END_REASON_LABELS,
    LEGAL_BASIS_LABELS,
    STATUS_LABELS,
)
from backoffice.staff.models import StaffUser
from backoffice.views.outreach.forms import CHOOSE, REASON_HINT, ContactForm, HoldForm, StatusForm
from backoffice.views.outreach.pages import staff_names
from backoffice.web.context import current_actor
from backoffice.web.forms import choices, number
from cards.models import CardBatch
from core.db import get_session
from directory.models import Organization


def batch_choices(db: Session) -> list[tuple[str, str]]:
    """The batches staff hand cards out from (not retired, not the public download), newest
    first."""
    rows = db.execute(
        select(CardBatch.id, CardBatch.code, CardBatch.quantity)
        .where(CardBatch.retired_at.is_(None), CardBatch.purpose != "public_download")
        .order_by(CardBatch.id.desc())
    )
    return [(str(r.id), f"{r.code}（{r.quantity}枚）") for r in rows]


def _staff(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(select(StaffUser.id, StaffUser.display_name).order_by(StaffUser.id))
    return [(str(r.id), r.display_name) for r in rows]


def _contact_choices(form: ContactForm, db: Session) -> None:
    form.staff_id.choices = choices([("", "自分"), *_staff(db)])
    form.batch_id.choices = choices([("", "配っていない"), *batch_choices(db)])


def subject_page(subject: OutreachSubject, status: int = 200, **forms: Any) -> tuple[str, int]:
    """The subject's page; ``forms`` are the refused forms to show again with their messages."""
    db = get_session()
    actor = current_actor()
    contact_form = forms.get("contact_form") or ContactForm(formdata=None)
    _contact_choices(contact_form, db)
    done_form = forms.get("done_form") or ContactForm(formdata=None, prefix="done")
    _contact_choices(done_form, db)
    status_form = forms.get("status_form") or StatusForm(formdata=None, version=subject.version)
    status_form.status.choices = choices(
        [CHOOSE, *[(s, STATUS_LABELS[s]) for s in allowed_next(subject.status)]]
    )
    organization = (
        db.get(Organization, subject.agency_organization_id)
        if subject.agency_organization_id
        else None
    )
    handouts = {
        h.contact_id: h
        for h in db.scalars(
            select(CardHandout).where(CardHandout.contact_id.in_([c.id for c in subject.contacts]))
        )
    }
    page = render_template(
        "backoffice/outreach/detail.html",
        subject=subject,
        organization=organization,
        notices=match_notices(db, subject, actor),
        names=staff_names(db),
        handouts=handouts,
        batch_codes={int(k): v for k, v in batch_choices(db)},
        contact_form=contact_form,
        done_form=done_form,
        done_for=forms.get("done_for") or _planned(subject, request.args.get("done")),
        status_form=status_form,
        hold_form=HoldForm(formdata=None, prefix="hold", state="0" if subject.legal_hold else "1"),
        statuses=STATUS_LABELS,
        agency_kinds=AGENCY_KIND_LABELS,
        concerns=CONCERN_LABELS,
        bases=LEGAL_BASIS_LABELS,
        contact_kinds=CONTACT_KIND_LABELS,
        results=CONTACT_RESULT_LABELS,
        end_reasons=END_REASON_LABELS,
        may_convert=actor.may("referral.create")
        and subject.status in OPEN_STATUSES
        and subject.linked_referral_id is None
        and subject.anonymised_at is None,
        may_hold=actor.may("referral.supervise"),
        reason_hint=REASON_HINT,
    )
    db.commit()  # the read's audit event (and a shown match's)
    return page, status


def _planned(subject: OutreachSubject, raw: str | None) -> int | None:
    """The planned contact whose result the page asks for (``?done=<id>``), if it is one."""
    wanted = number(raw)
    return next((c.id for c in subject.contacts if c.id == wanted and c.done_on is None), None)
