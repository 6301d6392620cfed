"""A task of an anonymised case cannot be marked done: the case is closed for good.

Marking a task done is one Core UPDATE, which the flush-time guard of anonymised cases does not
see; the service checks the case itself.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from backoffice.referrals import records
from backoffice.referrals.casework import Task
from backoffice.referrals.guard import AnonymisedCaseError
from backoffice.referrals.models import Referral
from backoffice.referrals.tasks import complete_task
from backoffice.staff.actor import Actor
from core.db import utcnow
from tests.referrals import make_referral
from tests.staff import csrf_token, make_staff, sign_in


def test_a_task_of_an_anonymised_case_stays_as_it_was(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    task = Task(referral_id=referral_id, title="折り返し", due_at=utcnow() + timedelta(days=1),
                created_by_id=staff.id, created_at=utcnow())  # fmt: skip
    session.add(task)
    session.commit()
    with backoffice_app.app_context():
        referral = session.get(Referral, referral_id)
        assert referral is not None
        records.anonymise_referral(session, referral, actor=Actor(None), reason="test")
        session.commit()
    client = backoffice_app.test_client()
    sign_in(client, staff)
    url = f"/referrals/{referral_id}"

    response = client.post(
        f"{url}/tasks/{task.id}/done", data={"csrf_token": csrf_token(client, url)}
    )
    with backoffice_app.app_context(), pytest.raises(AnonymisedCaseError):
        complete_task(session, session.get(Task, task.id), actor=Actor(None))  # type: ignore[arg-type]
    session.rollback()

    assert response.status_code == 409
    session.expire_all()
    stored = session.get(Task, task.id)
    assert stored is not None and stored.done_at is None
