"""Case work in the back office: support meetings and their minutes, links to agencies, tasks,
the supervisor's page and the dashboard lists; audited, validated per field, stale saves refused,
and closed to NPO liaisons."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backoffice.referrals import links
from backoffice.referrals.casework import LINK_STATUSES, ReferralLink, SupportMeeting, Task
from backoffice.referrals.models import Referral
from core.audit import AuditEvent
from core.db import utcnow
from core.timezone import TOKYO
from directory.models import Organization, Service
from tests.referrals import make_referral
from tests.staff import csrf_token, make_staff, sign_in

TOKYO_FORMAT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def app(backoffice_app: Flask, demo: Session) -> Flask:
    return backoffice_app


def staff_client(app: Flask, role: str) -> tuple[FlaskClient, int]:
    staff = make_staff(app, role)
    client = app.test_client()
    assert sign_in(client, staff).status_code == 302
    return client, staff.id


@pytest.fixture
def coordinator(app: Flask) -> tuple[FlaskClient, int]:
    return staff_client(app, "coordinator")


@pytest.fixture
def case(app: Flask) -> int:
    """A case handed over by a liaison, assigned to nobody yet."""
    return make_referral(app, make_staff(app, "liaison").id)


def post(client: FlaskClient, url: str, data: dict[str, object]):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def withdraw_consent(session: Session, referral_id: int) -> None:
    referral = session.get(Referral, referral_id)
    assert referral is not None
    referral.consent.withdrawn_at = utcnow()
    session.commit()


def published(session: Session) -> tuple[Organization, Service]:
    service = session.scalar(
        select(Service).where(Service.status == "published").order_by(Service.id)
    )
    assert service is not None
    return service.organization, service


def meeting_form(**changes: object) -> dict[str, object]:
    return {
        "held_on": "2026-04-10",
        "other_agencies": "",
        "agenda": "生活再建の支援について",
        "decisions": "社協が家計相談、市が住まいの相談を担当する。",
        "next_meeting_on": "2026-05-08",
        "consent_confirmed": "y",  # the agencies here are not on the consent record
        **changes,
    }


# ---- support meetings -------------------------------------------------------------------------


def test_coordinator_records_a_meeting_with_directory_and_named_agencies(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    client, staff_id = coordinator
    organization, _ = published(demo)
    data = meeting_form(organization_ids=organization.id, other_agencies="地区の民生委員\n")

    response = post(client, f"/referrals/{case}/meetings/new", data)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/referrals/{case}")
    meeting = demo.scalar(select(SupportMeeting).where(SupportMeeting.referral_id == case))
    assert meeting is not None
    assert meeting.agencies == [organization.id, "地区の民生委員"]
    assert meeting.agenda == "生活再建の支援について" and meeting.recorded_by_id == staff_id
    assert "referral.meeting.create" in actions(demo)


def test_meeting_text_is_encrypted_in_the_database(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    post(coordinator[0], f"/referrals/{case}/meetings/new", meeting_form())

    raw = demo.execute(text("SELECT agenda, decisions FROM referral_support_meeting")).one()
    assert "生活再建" not in raw.agenda and "社協" not in raw.decisions


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"held_on": ""}, "held_on", "開催日を入力してください。"),
        ({"held_on": "4月10日"}, "held_on", "年-月-日 で入力してください。"),
        ({"agenda": "  "}, "agenda", "議題を入力してください。"),
        ({"agenda": "あ" * 4001}, "agenda", "4000文字以内で入力してください。"),
        ({"next_meeting_on": "2026-04-01"}, "next_meeting_on", "開催日より後の日付"),
        ({"organization_ids": "x"}, "organization_ids", "関係機関を一覧から選んでください。"),
        ({"other_agencies": "機" * 201}, "other_agencies", "1行200文字以内"),
    ],
)
def test_invalid_meeting_is_refused_per_field_and_stores_nothing(
    app: Flask,
    demo: Session,
    coordinator: tuple[FlaskClient, int],
    case: int,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = post(coordinator[0], f"/referrals/{case}/meetings/new", meeting_form(**change))

    assert response.status_code == 400
    error = re.search(rf'id="{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert error is not None and message in error.group(1)
    assert demo.scalar(select(SupportMeeting)) is None
    assert "referral.meeting.create" not in actions(demo)


def test_after_withdrawal_no_agency_joins_a_meeting(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    withdraw_consent(demo, case)
    organization, _ = published(demo)
    url = f"/referrals/{case}/meetings/new"

    listed = post(coordinator[0], url, meeting_form(organization_ids=organization.id))
    named = post(coordinator[0], url, meeting_form(other_agencies="地域包括支援センター"))

    for response in (listed, named):
        assert response.status_code == 400
        assert "同意を撤回しているため、関係機関を会議に加えることはできません" in (
            response.get_data(as_text=True)
        )
    assert demo.scalar(select(SupportMeeting)) is None


def test_after_withdrawal_the_staff_may_still_meet_among_themselves(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    withdraw_consent(demo, case)

    response = post(coordinator[0], f"/referrals/{case}/meetings/new", meeting_form())

    assert response.status_code == 302
    assert demo.scalar(select(SupportMeeting.agencies)) == []


def add_meeting(demo: Session, case: int, **values: object) -> SupportMeeting:
    meeting = SupportMeeting(
        referral_id=case,
        held_on=date(2026, 4, 10),
        agencies=["社会福祉協議会"],
        agenda="最初の議題",
        **values,
    )
    demo.add(meeting)
    demo.commit()
    return meeting


def test_editing_a_meeting_shows_it_and_saves_with_its_version(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    meeting = add_meeting(demo, case)
    url = f"/referrals/{case}/meetings/{meeting.id}"
    page = coordinator[0].get(url).get_data(as_text=True)
    assert "最初の議題" in page and "社会福祉協議会" in page
    assert re.search(r'name="version" type="hidden" value="1"', page)

    response = post(coordinator[0], url, meeting_form(other_agencies="社会福祉協議会", version=1))

    assert response.status_code == 302
    demo.expire_all()
    assert meeting.agenda == "生活再建の支援について" and meeting.version == 2
    assert "referral.meeting.update" in actions(demo)


def test_a_stale_meeting_save_shows_what_changed_and_overwrites_nothing(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    meeting = add_meeting(demo, case)
    url = f"/referrals/{case}/meetings/{meeting.id}"
    other, _ = staff_client(app, "coordinator")
    first = post(other, url, meeting_form(other_agencies="社会福祉協議会", version=1))
    assert first.status_code == 302

    late = post(
        coordinator[0],
        url,
        meeting_form(other_agencies="社会福祉協議会", agenda="遅れて書いた議題", version=1),
    )

    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "ほかの人が先に保存しました" in html
    assert "生活再建の支援について" in html and "遅れて書いた議題" in html
    demo.expire_all()
    assert meeting.agenda == "生活再建の支援について" and meeting.version == 2


def test_a_meeting_that_already_had_agencies_keeps_them_after_withdrawal(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    meeting = add_meeting(demo, case)
    withdraw_consent(demo, case)
    url = f"/referrals/{case}/meetings/{meeting.id}"

    kept = post(coordinator[0], url, meeting_form(other_agencies="社会福祉協議会", version=1))
    added = post(
        coordinator[0], url, meeting_form(other_agencies="社会福祉協議会\n警察署", version=2)
    )

    assert kept.status_code == 302
    assert added.status_code == 400
    demo.expire_all()
    assert meeting.agencies == ["社会福祉協議会"]


def test_minutes_are_a_printable_page_and_their_read_is_audited(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    organization, _ = published(demo)
    meeting = add_meeting(demo, case, decisions="次回までに家計表を作る")
    meeting.agencies = [organization.id, "社会福祉協議会"]
    demo.commit()

    response = coordinator[0].get(f"/referrals/{case}/meetings/{meeting.id}/minutes")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="minutes"' in html and "css/site.css" in html
    assert organization.name in html and "社会福祉協議会" in html
    assert "2026年4月10日（金）" in html and "次回までに家計表を作る" in html
    assert " style=" not in html
    demo.expire_all()
    event = demo.scalar(select(AuditEvent).where(AuditEvent.reason == "minutes"))
    assert event is not None and event.action == "referral.read"


def test_a_meeting_of_another_case_is_not_found(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    other_case = make_referral(app, make_staff(app, "liaison").id)
    meeting = add_meeting(demo, other_case)

    for url in (
        f"/referrals/{case}/meetings/{meeting.id}",
        f"/referrals/{case}/meetings/{meeting.id}/minutes",
        f"/referrals/{10**6}/meetings/new",
    ):
        assert coordinator[0].get(url).status_code == 404, url


# ---- links to agencies ------------------------------------------------------------------------


def link_form(**changes: object) -> dict[str, object]:
    return {
        "service_id": "",
        "agency_name": "",
        "linked_on": "2026-04-12",
        "status": "proposed",
        "outcome": "",
        "consent_confirmed": "y",
        **changes,
    }


def test_coordinator_links_the_person_to_a_published_service(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    _, service = published(demo)

    response = post(
        coordinator[0], f"/referrals/{case}/links/new", link_form(service_id=service.id)
    )

    assert response.status_code == 302
    link = demo.scalar(select(ReferralLink))
    assert link is not None and link.service_id == service.id and link.status == "proposed"
    assert "referral.link.create" in actions(demo)


def test_a_link_may_name_an_agency_the_directory_does_not_list(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    response = post(
        coordinator[0], f"/referrals/{case}/links/new", link_form(agency_name="地区の民生委員")
    )

    assert response.status_code == 302
    assert demo.scalar(select(ReferralLink.agency_name)) == "地区の民生委員"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, "つなぎ先を一覧から選ぶか、機関の名前を入力してください。"),
        ({"service_id": "no-such-service"}, "つなぎ先を一覧から選んでください。"),
        ({"agency_name": "社協", "linked_on": ""}, "日付を入力してください。"),
        ({"agency_name": "社協", "status": "lost"}, "状態を一覧から選んでください。"),
        ({"agency_name": "社協", "outcome": "あ" * 4001}, "4000文字以内で入力してください。"),
    ],
)
def test_invalid_link_is_refused_per_field_and_stores_nothing(
    app: Flask,
    demo: Session,
    coordinator: tuple[FlaskClient, int],
    case: int,
    change: dict[str, str],
    message: str,
) -> None:
    response = post(coordinator[0], f"/referrals/{case}/links/new", link_form(**change))

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert demo.scalar(select(ReferralLink)) is None


def test_a_draft_service_cannot_be_chosen(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    _, service = published(demo)
    service.status = "draft"
    demo.commit()

    response = post(
        coordinator[0], f"/referrals/{case}/links/new", link_form(service_id=service.id)
    )

    assert response.status_code == 400
    assert demo.scalar(select(ReferralLink)) is None


def test_after_withdrawal_no_link_to_an_agency_is_created(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    withdraw_consent(demo, case)

    response = post(
        coordinator[0], f"/referrals/{case}/links/new", link_form(agency_name="ハローワーク")
    )

    assert response.status_code == 400
    assert "同意を撤回しているため、関係機関へのつなぎは登録できません" in (
        response.get_data(as_text=True)
    )
    assert demo.scalar(select(ReferralLink)) is None


def add_link(demo: Session, case: int) -> ReferralLink:
    link = ReferralLink(referral_id=case, agency_name="ハローワーク", linked_on=date(2026, 4, 12))
    demo.add(link)
    demo.commit()
    return link


def test_after_withdrawal_a_link_may_be_ended_but_not_connected(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    link = add_link(demo, case)
    withdraw_consent(demo, case)
    url = f"/referrals/{case}/links/{link.id}"

    connected = post(
        coordinator[0], url, link_form(agency_name="ハローワーク", status="connected", version=1)
    )
    ended = post(
        coordinator[0],
        url,
        link_form(
            agency_name="ハローワーク", status="ended", outcome="本人の希望で終了", version=1
        ),
    )

    assert connected.status_code == 400
    assert "「つながった」にはできません" in connected.get_data(as_text=True)
    assert ended.status_code == 302
    demo.expire_all()
    assert link.status == "ended" and link.outcome == "本人の希望で終了"


def test_a_stale_link_save_is_a_conflict_and_overwrites_nothing(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    link = add_link(demo, case)
    url = f"/referrals/{case}/links/{link.id}"
    other, _ = staff_client(app, "coordinator")
    saved = link_form(agency_name="ハローワーク", status="connected", version=1)
    assert post(other, url, saved).status_code == 302

    late = post(
        coordinator[0], url, link_form(agency_name="ハローワーク", status="declined", version=1)
    )

    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "つながった" in html and "見送り" in html
    demo.expire_all()
    assert link.status == "connected" and link.version == 2


def test_every_link_status_has_a_label() -> None:
    assert tuple(links.LINK_STATUS_LABELS) == LINK_STATUSES


# ---- tasks ------------------------------------------------------------------------------------


def task_form(assignee_id: int, **changes: object) -> dict[str, object]:
    due = (datetime.now(UTC) + timedelta(days=2)).astimezone(TOKYO)
    return {
        "title": "家計相談の予約を確認する",
        "due_at": due.strftime(TOKYO_FORMAT),
        "assignee_id": str(assignee_id),
        **changes,
    }


def test_coordinator_adds_a_task_due_in_japanese_time(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    client, staff_id = coordinator

    response = post(
        client, f"/referrals/{case}/tasks/new", task_form(staff_id, due_at="2030-04-01T09:30")
    )

    assert response.status_code == 302
    task = demo.scalar(select(Task))
    assert task is not None and task.assignee_id == staff_id
    assert task.due_at == datetime(2030, 4, 1, 0, 30, tzinfo=UTC)  # 9:30 in Tokyo
    assert task.title == "家計相談の予約を確認する"
    assert "referral.task.create" in actions(demo)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "やることを入力してください。"),
        ({"due_at": ""}, "期限の日時を入力してください。"),
        ({"due_at": "来週"}, "年-月-日 時:分 で入力してください。"),
        ({"due_at": "2020-01-01T09:00"}, "これから先の日時を入力してください。"),
        ({"assignee_id": "x"}, "担当者を一覧から選んでください。"),
    ],
)
def test_invalid_task_is_refused_per_field_and_stores_nothing(
    app: Flask,
    demo: Session,
    coordinator: tuple[FlaskClient, int],
    case: int,
    change: dict[str, str],
    message: str,
) -> None:
    client, staff_id = coordinator

    response = post(client, f"/referrals/{case}/tasks/new", {**task_form(staff_id), **change})

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert demo.scalar(select(Task)) is None


def test_a_task_goes_only_to_active_staff_who_work_on_cases(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    liaison = make_staff(app, "liaison")
    analyst = make_staff(app, "analyst")
    supervisor = make_staff(app, "supervisor")
    url = f"/referrals/{case}/tasks/new"

    for refused in (liaison.id, analyst.id):
        assert post(coordinator[0], url, task_form(refused)).status_code == 400
    assert post(coordinator[0], url, task_form(supervisor.id)).status_code == 302


def test_marking_a_task_done_is_audited_once(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    client, staff_id = coordinator
    task = Task(referral_id=case, title="電話する", due_at=utcnow(), assignee_id=staff_id)
    demo.add(task)
    demo.commit()
    url = f"/referrals/{case}/tasks/{task.id}/done"
    token = csrf_token(client, f"/referrals/{case}/tasks/new")

    first = client.post(url, data={"csrf_token": token})
    second = client.post(url, data={"csrf_token": token})

    assert first.status_code == second.status_code == 302
    demo.expire_all()
    assert task.done_at is not None
    assert actions(demo).count("referral.task.done") == 1


def test_a_post_without_csrf_token_is_refused_and_stores_nothing(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    response = coordinator[0].post(f"/referrals/{case}/meetings/new", data=meeting_form())

    assert response.status_code == 400
    assert demo.scalar(select(SupportMeeting)) is None


# ---- who may reach these pages ----------------------------------------------------------------


def casework_urls(app: Flask, case: int, demo: Session) -> list[tuple[str, str]]:
    meeting = add_meeting(demo, case)
    link = add_link(demo, case)
    task = Task(referral_id=case, title="t", due_at=utcnow(), assignee_id=None)
    demo.add(task)
    demo.commit()
    return [
        ("GET", f"/referrals/{case}/meetings/new"),
        ("POST", f"/referrals/{case}/meetings/new"),
        ("GET", f"/referrals/{case}/meetings/{meeting.id}"),
        ("POST", f"/referrals/{case}/meetings/{meeting.id}"),
        ("GET", f"/referrals/{case}/meetings/{meeting.id}/minutes"),
        ("GET", f"/referrals/{case}/links/new"),
        ("POST", f"/referrals/{case}/links/new"),
        ("GET", f"/referrals/{case}/links/{link.id}"),
        ("POST", f"/referrals/{case}/links/{link.id}"),
        ("GET", f"/referrals/{case}/tasks/new"),
        ("POST", f"/referrals/{case}/tasks/new"),
        ("POST", f"/referrals/{case}/tasks/{task.id}/done"),
        ("GET", "/referrals/supervision"),
    ]


def test_a_liaison_reaches_no_case_work_page_even_on_their_own_case(
    app: Flask, demo: Session
) -> None:
    client, liaison_id = staff_client(app, "liaison")
    own_case = make_referral(app, liaison_id)
    token = csrf_token(client, "/account/")

    for method, url in casework_urls(app, own_case, demo):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, url)
    assert demo.scalar(select(Task.done_at)) is None


def test_any_coordinator_works_on_any_case(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int], case: int
) -> None:
    for method, url in casework_urls(app, case, demo):
        if method == "GET" and url != "/referrals/supervision":
            assert coordinator[0].get(url).status_code == 200, url
    assert coordinator[0].get("/referrals/supervision").status_code == 403


def test_the_supervisor_page_lists_missed_deadlines(app: Flask, demo: Session) -> None:
    client, supervisor_id = staff_client(app, "supervisor")
    late = datetime.now(UTC) - timedelta(days=6)
    urgent = make_referral(app, supervisor_id, urgent=True, received_at=late, consented_at=late)
    task = Task(referral_id=urgent, title="秘密の用件", due_at=late, assignee_id=supervisor_id)
    demo.add(task)
    demo.commit()
    number = demo.scalar(select(Referral.case_number).where(Referral.id == urgent))

    response = client.get("/referrals/supervision")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count(f'href="/referrals/{urgent}"') == 3  # urgent, unacknowledged, task
    assert number in html and "期限超過" in html
    assert "秘密の用件" not in html and "丹後 花子" not in html


# ---- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_lists_the_coordinators_work(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int]
) -> None:
    client, staff_id = coordinator
    liaison = make_staff(app, "liaison")
    late = datetime.now(UTC) - timedelta(days=6)
    mine = make_referral(app, liaison.id)
    urgent = make_referral(app, liaison.id, urgent=True, received_at=late, consented_at=late)
    demo.get(Referral, mine).assigned_to_id = staff_id  # type: ignore[union-attr]
    demo.add(Task(referral_id=mine, title="秘密の用件", due_at=late, assignee_id=staff_id))
    demo.commit()

    html = client.get("/").get_data(as_text=True)

    assert "自分が担当している案件（対応中）（1件）" in html
    assert "受け取り確認がされていない案件（2件）" in html
    assert "期限を過ぎた自分のタスク（1件）" in html
    assert "緊急なのに連絡がとれていない案件（1件）" in html
    assert f'href="/referrals/{urgent}"' in html and f'href="/referrals/{mine}"' in html
    assert "秘密の用件" not in html and "丹後 花子" not in html


def test_the_dashboard_shows_twenty_of_a_long_list_and_the_count(
    app: Flask, demo: Session, coordinator: tuple[FlaskClient, int]
) -> None:
    liaison = make_staff(app, "liaison")
    for _ in range(21):
        make_referral(app, liaison.id)

    html = coordinator[0].get("/").get_data(as_text=True)

    assert "受け取り確認がされていない案件（21件）" in html
    assert "ほかに1件あります（古いものから20件を表示）" in html


def test_a_liaisons_dashboard_has_no_case_work_lists(app: Flask, demo: Session) -> None:
    client, liaison_id = staff_client(app, "liaison")
    make_referral(app, liaison_id)

    html = client.get("/").get_data(as_text=True)

    assert "受け取り確認がされていない案件" not in html
