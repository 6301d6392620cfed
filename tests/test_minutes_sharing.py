"""Support meeting minutes shared with the NPO: the dedicated staff mark them shared and say which
liaisons took part; the case's liaisons and those who took part read them (audited), nobody else
does, and a liaison never sees the case's internal notes or what the consent does not cover."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.referrals.casework import MeetingParticipant, ProgressNote, SupportMeeting
from core.audit import AuditEvent
from core.db import get_engine
from tests.referrals import make_casework, make_referral
from tests.staff import Staff, make_staff, post_form, sign_in

INTERNAL = "市の内部の見立て：家族関係に課題"
SHARED_NOTE = "家計相談の予約が取れました"


def client_for(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def _setup(app: Flask, session: Session) -> dict:
    liaison = make_staff(app, "liaison")
    coordinator = make_staff(app, "coordinator")
    guest = make_staff(app, "liaison")  # took part; not on the case
    stranger = make_staff(app, "liaison")
    referral_id, meeting_id, _ = make_casework(app, session, liaison.id)
    with Session(get_engine(app)) as db, db.begin():
        db.add(ProgressNote(referral_id=referral_id, author_id=coordinator.id, body=INTERNAL))
        meeting = db.get(SupportMeeting, meeting_id)
        assert meeting is not None
        meeting.shared_with_liaison = False  # minutes start internal
    return {
        "liaison": liaison, "coordinator": coordinator, "guest": guest, "stranger": stranger,
        "referral": referral_id, "meeting": meeting_id,
        "minutes": f"/referrals/{referral_id}/meetings/{meeting_id}/minutes",
        "sharing": f"/referrals/{referral_id}/meetings/{meeting_id}/sharing",
        "shared": f"/referrals/minutes/{meeting_id}",
    }  # fmt: skip


def _share(office: FlaskClient, case: dict, *, shared: bool, participants: list[int]):
    html = office.get(case["minutes"]).get_data(as_text=True)
    version = html.split('name="version" type="hidden" value="')[1].split('"')[0]
    data: dict = {"version": version, "participants": [str(i) for i in participants]}
    if shared:
        data["shared"] = "y"
    return post_form(office, case["sharing"], data, form_url=case["minutes"])


def _meeting(session: Session, meeting_id: int) -> SupportMeeting:
    session.expire_all()
    meeting = session.get(SupportMeeting, meeting_id)
    assert meeting is not None
    return meeting


def test_minutes_stay_internal_until_shared(backoffice_app: Flask, session: Session) -> None:
    case = _setup(backoffice_app, session)
    liaison = client_for(backoffice_app, case["liaison"])

    assert liaison.get(case["shared"]).status_code == 404
    assert liaison.get(case["minutes"]).status_code in (403, 404)  # the staff's page
    assert "支援会議の議事録（0件）" in liaison.get("/").get_data(as_text=True)
    assert not _meeting(session, case["meeting"]).shared_with_liaison


def test_shared_minutes_are_read_by_the_case_liaison_and_those_who_took_part_only(
    backoffice_app: Flask, session: Session
) -> None:
    case = _setup(backoffice_app, session)
    office = client_for(backoffice_app, case["coordinator"])

    response = _share(office, case, shared=True, participants=[case["guest"].id])

    assert response.status_code == 302
    meeting = _meeting(session, case["meeting"])
    assert meeting.shared_with_liaison
    assert list(session.scalars(select(MeetingParticipant.staff_user_id))) == [case["guest"].id]
    shares = session.scalars(
        select(AuditEvent.reason).where(AuditEvent.action == "referral.meeting.share")
    ).all()
    assert shares == [f"support_meeting:{case['meeting']} shared:1 participants:1"]
    clients = {who: client_for(backoffice_app, case[who]) for who in ("liaison", "guest")}
    for client in clients.values():
        html = client.get(case["shared"]).get_data(as_text=True)
        assert "生活の立て直し" in html and "家計相談につなぐ" in html
        assert INTERNAL not in html  # never the case's internal notes
        dashboard = client.get("/").get_data(as_text=True)
        assert "市から共有された支援会議の議事録（1件）" in dashboard
        assert f'href="{case["shared"]}"' in dashboard
    session.expire_all()
    reads = session.scalars(
        select(AuditEvent.actor_id).where(
            AuditEvent.action == "referral.read",
            AuditEvent.reason == f"shared_minutes:{case['meeting']}",
        )
    ).all()
    assert sorted(reads) == sorted([case["liaison"].id, case["guest"].id])
    stranger = client_for(backoffice_app, case["stranger"])
    assert stranger.get(case["shared"]).status_code == 404
    assert stranger.get(f"/referrals/{case['referral']}").status_code == 404
    assert clients["guest"].get(f"/referrals/{case['referral']}").status_code == 404  # minutes only


def test_unsharing_and_leaving_the_participants_close_the_minutes_again(
    backoffice_app: Flask, session: Session
) -> None:
    case = _setup(backoffice_app, session)
    office = client_for(backoffice_app, case["coordinator"])
    _share(office, case, shared=True, participants=[case["guest"].id])
    guest = client_for(backoffice_app, case["guest"])
    assert guest.get(case["shared"]).status_code == 200

    _share(office, case, shared=True, participants=[])
    assert guest.get(case["shared"]).status_code == 404
    _share(office, case, shared=False, participants=[])
    liaison = client_for(backoffice_app, case["liaison"])
    assert liaison.get(case["shared"]).status_code == 404


def test_only_liaisons_can_be_participants_and_a_stale_form_changes_nothing(
    backoffice_app: Flask, session: Session
) -> None:
    case = _setup(backoffice_app, session)
    office = client_for(backoffice_app, case["coordinator"])
    version = _meeting(session, case["meeting"]).version

    refused = _share(office, case, shared=True, participants=[case["coordinator"].id])
    stale = post_form(
        office, case["sharing"], {"version": "0", "shared": "y"}, form_url=case["minutes"]
    )
    liaison = client_for(backoffice_app, case["liaison"])
    by_liaison = liaison.post(case["sharing"], data={"shared": "y", "version": "1"})

    assert refused.status_code == 400
    assert "会議に参加したつなぎ支援員を一覧から選んでください。" in refused.get_data(as_text=True)
    assert stale.status_code == 409
    assert by_liaison.status_code in (400, 403, 404)  # no CSRF token, no permission
    meeting = _meeting(session, case["meeting"])
    assert not meeting.shared_with_liaison and meeting.version == version
    assert session.scalars(select(MeetingParticipant)).all() == []


def test_the_agencies_at_a_meeting_follow_the_persons_consent(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, liaison.id, share_summary=False)
    with Session(get_engine(backoffice_app)) as db, db.begin():
        meeting = SupportMeeting(
            referral_id=referral_id, held_on=datetime.now(UTC).date(),
            agencies=["京丹後市社会福祉協議会"], agenda="生活の立て直し",
            decisions="家計相談につなぐ", recorded_by_id=coordinator.id,
        )  # fmt: skip
        db.add(meeting)
        db.flush()
        meeting_id = meeting.id
    case = {
        "minutes": f"/referrals/{referral_id}/meetings/{meeting_id}/minutes",
        "sharing": f"/referrals/{referral_id}/meetings/{meeting_id}/sharing",
    }
    _share(client_for(backoffice_app, coordinator), case, shared=True, participants=[])

    html = client_for(backoffice_app, liaison).get(f"/referrals/minutes/{meeting_id}")
    text = html.get_data(as_text=True)

    assert html.status_code == 200 and "家計相談につなぐ" in text
    assert "京丹後市社会福祉協議会" not in text
    assert "本人の同意の範囲外のため、表示しません。" in text


def test_the_case_page_of_the_liaison_links_the_minutes_once_shared(
    backoffice_app: Flask, session: Session
) -> None:
    case = _setup(backoffice_app, session)
    liaison = client_for(backoffice_app, case["liaison"])
    page = f"/referrals/{case['referral']}"

    assert "共有された支援会議の議事録" not in liaison.get(page).get_data(as_text=True)
    _share(client_for(backoffice_app, case["coordinator"]), case, shared=True, participants=[])

    html = liaison.get(page).get_data(as_text=True)
    assert "共有された支援会議の議事録" in html
    assert f'href="{case["shared"]}"' in html
    assert INTERNAL not in html
