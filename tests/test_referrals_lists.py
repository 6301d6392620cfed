"""Case lists: the next due date of a case (acknowledgement, first contact, tasks), sorting and
filtering by it, the "my work" list, and page links that keep every filter."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backoffice.referrals.casework import Task
from backoffice.referrals.due_dates import next_due
from backoffice.referrals.listing import CaseFilter, search_cases
from backoffice.referrals.models import Referral, ReferralMember
from backoffice.staff.actor import Actor
from core.db import get_engine
from core.timezone import TOKYO
from tests.referrals import make_referral
from tests.staff import load_user, make_staff, sign_in

NOW = datetime(2026, 6, 3, 10, 0, tzinfo=UTC)  # a Wednesday


def _set(app: Flask, referral_id: int, **values: object) -> None:
    with Session(get_engine(app)) as db, db.begin():
        db.execute(update(Referral).where(Referral.id == referral_id).values(**values))


def _task(app: Flask, referral_id: int, due_at: datetime, *, done: bool = False) -> None:
    with Session(get_engine(app)) as db, db.begin():
        db.add(
            Task(
                referral_id=referral_id, title="折り返しの電話", due_at=due_at,
                done_at=due_at if done else None,
            )
        )  # fmt: skip


def _numbers(html: str) -> list[str]:
    """The case numbers of a list, in the order shown."""
    return re.findall(r">(R-\d{4}-\d{4})</a>", html)


def _number(app: Flask, referral_id: int) -> str:
    with Session(get_engine(app)) as db:
        return db.scalars(select(Referral.case_number).where(Referral.id == referral_id)).one()


def test_the_next_due_date_is_the_earliest_thing_a_case_waits_for() -> None:
    received = NOW - timedelta(hours=1)
    waiting = {"received_at": received, "now": NOW, "hours": 4, "is_open": True}
    acknowledge = next_due(**waiting, urgent=False, acknowledged=False, contacted=False,
                           task_due=None)  # fmt: skip
    contact = next_due(**waiting, urgent=True, acknowledged=False, contacted=False, task_due=None)
    task = next_due(**waiting, urgent=True, acknowledged=False, contacted=False,
                    task_due=NOW - timedelta(days=1))  # fmt: skip
    assert acknowledge is not None and acknowledge.kind == "acknowledge"
    assert acknowledge.at == datetime(2026, 6, 4, 9, 0, tzinfo=UTC)  # next business day
    assert contact is not None and (contact.kind, contact.at) == (
        "contact",
        received + timedelta(hours=4),
    )
    assert task is not None and task.kind == "task" and task.overdue
    closed = {**waiting, "is_open": False}
    assert (
        next_due(**closed, urgent=True, acknowledged=False, contacted=False, task_due=None) is None
    )
    kept = next_due(**closed, urgent=False, acknowledged=True, contacted=True, task_due=NOW)
    assert kept is not None and kept.kind == "task"  # a task stays due after support ends


def _four_cases(app: Flask, creator: int) -> dict[str, int]:
    """An overdue task, an urgent case not contacted in time, an acknowledgement due on the next
    business day, and a case waiting for nothing."""
    now = datetime.now(UTC)
    ids = {name: make_referral(app, creator) for name in ("task", "contact", "ack", "none")}
    done = {"acknowledged_at": now, "first_contact_at": now, "status": "first_contact"}
    _set(app, ids["task"], **done, received_at=now - timedelta(hours=10))
    _task(app, ids["task"], now - timedelta(days=1))
    _set(app, ids["contact"], urgent=True, received_at=now - timedelta(hours=5))
    _set(app, ids["ack"], received_at=now - timedelta(hours=2))
    _task(app, ids["ack"], now + timedelta(days=30))
    _set(app, ids["none"], **done)
    _task(app, ids["none"], now - timedelta(days=2), done=True)  # done: no longer due
    return ids


def test_cases_sort_by_their_next_due_date_and_filter_by_it(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    ids = _four_cases(backoffice_app, liaison.id)
    order = [_number(backoffice_app, ids[name]) for name in ("task", "contact", "ack", "none")]
    office = backoffice_app.test_client()
    sign_in(office, coordinator)

    by_due = office.get("/referrals/?sort=due").get_data(as_text=True)
    overdue = office.get("/referrals/?due=overdue&sort=due").get_data(as_text=True)
    overdue_newest = office.get("/referrals/?due=overdue").get_data(as_text=True)
    newest = office.get("/referrals/").get_data(as_text=True)

    assert _numbers(by_due) == order
    assert "4件中 1 / 1 ページ" in by_due and "（タスク）" in by_due and "（連絡）" in by_due
    assert "（受け取り確認）" in by_due and "期限超過" in by_due
    assert _numbers(overdue) == order[:2] and "2件中" in overdue
    assert _numbers(overdue_newest) == [order[1], order[0]]  # newest received first
    assert "次の期限" in newest and sorted(_numbers(newest)) == sorted(order)


def test_my_work_lists_my_open_cases_soonest_due_first(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    other_liaison = make_staff(backoffice_app, "liaison")
    me = make_staff(backoffice_app, "coordinator")
    colleague = make_staff(backoffice_app, "coordinator")
    ids = _four_cases(backoffice_app, liaison.id)
    for name in ("task", "ack", "none"):
        _set(backoffice_app, ids[name], assigned_to_id=me.id)
    _set(backoffice_app, ids["contact"], assigned_to_id=colleague.id)
    member_case = make_referral(backoffice_app, other_liaison.id)
    with Session(get_engine(backoffice_app)) as db, db.begin():
        db.add(ReferralMember(referral_id=member_case, staff_user_id=me.id, role="coordinator"))
    ended = make_referral(backoffice_app, liaison.id)
    _set(backoffice_app, ended, assigned_to_id=me.id, status="ended")
    office = backoffice_app.test_client()
    sign_in(office, me)

    html = office.get("/referrals/?view=mine").get_data(as_text=True)

    # the task is overdue; both others wait for acknowledgement, the one received first is due
    # first; the case waiting for nothing comes last; a colleague's and an ended one not at all
    expected = [ids["task"], ids["ack"], member_case, ids["none"]]
    assert _numbers(html) == [_number(backoffice_app, i) for i in expected]
    assert "<h1>自分の案件</h1>" in html
    assert '<option selected value="due">次の期限が近い順</option>' in html
    assert 'href="/referrals/?view=mine"' in office.get("/").get_data(as_text=True)  # navigation


def test_a_liaisons_lists_hold_only_their_cases_and_no_due_dates(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    other = make_staff(backoffice_app, "liaison")
    ids = _four_cases(backoffice_app, liaison.id)
    theirs = _four_cases(backoffice_app, other.id)
    _set(backoffice_app, ids["none"], status="ended")
    client = backoffice_app.test_client()
    sign_in(client, liaison)

    everything = client.get("/referrals/?sort=due&due=overdue").get_data(as_text=True)
    mine = client.get("/referrals/?view=mine").get_data(as_text=True)

    own = {_number(backoffice_app, i) for i in ids.values()}
    assert set(_numbers(everything)) == own  # the due filter is the city's: not applied
    assert set(_numbers(mine)) == own - {_number(backoffice_app, ids["none"])}
    for html in (everything, mine):
        assert "次の期限" not in html and "期限超過" not in html and "タスク" not in html
        assert not {_number(backoffice_app, i) for i in theirs.values()} & set(_numbers(html))


def test_page_links_keep_every_filter(backoffice_app: Flask, session: Session) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    liaison = make_staff(backoffice_app, "liaison")
    for number in range(57):
        make_referral(backoffice_app, liaison.id, district="峰山町" if number < 4 else "網野町")
    office = backoffice_app.test_client()
    sign_in(office, coordinator)

    first = office.get("/referrals/?district=網野町&risk=high&sort=due&q=R-").get_data(as_text=True)
    pager = re.findall(r'<nav class="pager".*?</nav>', first, flags=re.S)[0]
    (address,) = re.findall(r'href="([^"]+)"', pager)
    address = address.replace("&amp;", "&")
    second = office.get(address).get_data(as_text=True)

    assert parse_qs(urlsplit(address).query) == {
        "district": ["網野町"], "risk": ["high"], "sort": ["due"], "q": ["R-"], "page": ["2"]
    }  # fmt: skip
    assert "53件中 1 / 2 ページ" in first and "53件中 2 / 2 ページ" in second
    assert len(_numbers(first)) == 50 and len(_numbers(second)) == 3
    assert not set(_numbers(first)) & set(_numbers(second))
    back = re.findall(r'<nav class="pager".*?</nav>', second, flags=re.S)[0]
    assert "sort=due" in back and "district=" in back and "page=1" in back


def test_every_page_by_due_date_follows_one_order_without_gaps_or_repeats(
    backoffice_app: Flask, session: Session
) -> None:
    """Small pages over cases of every kind give, page after page, exactly the order worked
    out case by case: due first (by next due), then those waiting for nothing, newest first."""
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    now = datetime.now(UTC)
    done = {"acknowledged_at": now, "first_contact_at": now, "status": "supporting"}
    ids = []
    for number in range(24):
        referral_id = make_referral(backoffice_app, liaison.id)
        ids.append(referral_id)
        received = now - timedelta(hours=number * 7 + 1)
        if number % 3 == 0:  # waiting for acknowledgement; some with a task too
            _set(backoffice_app, referral_id, received_at=received, urgent=number % 2 == 0)
            if number % 6 == 0:
                _task(backoffice_app, referral_id, now + timedelta(hours=number - 10))
        elif number % 3 == 1:  # tasks only
            _set(backoffice_app, referral_id, received_at=received, **done)
            _task(backoffice_app, referral_id, now + timedelta(hours=(number * 5) % 17 - 8))
            _task(backoffice_app, referral_id, now + timedelta(days=3))
        else:  # waiting for nothing
            _set(backoffice_app, referral_id, received_at=received, **done)
    actor = Actor.of(load_user(backoffice_app, coordinator.id))
    hours = backoffice_app.config["TSUNAGU_SETTINGS"].urgent_contact_hours
    with backoffice_app.app_context(), Session(get_engine(backoffice_app)) as db:
        cases = db.scalars(select(Referral).where(Referral.id.in_(ids))).all()
        task_due = {
            i: min(d for r, d in db.execute(select(Task.referral_id, Task.due_at)) if r == i)
            for i in set(db.scalars(select(Task.referral_id)))
        }
        dues = {
            r.id: next_due(
                received_at=r.received_at, urgent=r.urgent, is_open=True,
                acknowledged=r.acknowledged_at is not None,
                contacted=r.first_contact_at is not None,
                task_due=task_due.get(r.id), now=now, hours=hours,
            )
            for r in cases
        }  # fmt: skip
        waiting = sorted((d.at, i) for i, d in dues.items() if d is not None)
        idle = sorted(((r.received_at, r.id) for r in cases if dues[r.id] is None), reverse=True)
        expected = [i for _, i in waiting] + [i for _, i in idle]
        for window, sort in (("", "due"), ("week", "due"), ("week", "received")):
            found = CaseFilter(sort=sort, due=window)
            shown, number = [], 1
            while True:
                page = search_cases(db, actor, found, now=now, hours=hours, page=number, per_page=5)
                shown += [item.referral.id for item in page.items]
                if number >= page.pages:
                    break
                number += 1
            if not window:
                assert shown == expected and page.total == 24
            else:
                today = now.astimezone(TOKYO).date()
                end = datetime.combine(today + timedelta(days=7), time(), TOKYO)
                due_soon = [i for at, i in waiting if at < end]
                if sort == "due":
                    assert shown == due_soon
                else:
                    received = {r.id: r.received_at for r in cases}
                    assert shown == sorted(due_soon, key=lambda i: received[i], reverse=True)
                assert page.total == len(due_soon) > 0
