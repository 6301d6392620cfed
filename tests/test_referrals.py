"""Referrals: consent-gated intake, encryption at rest, scopes record by record, the status
workflow, optimistic locking, the timeline, withdrawal and follow-up, lists, and audit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from backoffice.referrals.duplicates import contact_indexes
from backoffice.referrals.intake import IntakeError, create_referral
from backoffice.referrals.models import Referral, StatusChange
from backoffice.referrals.workflow import (
    TRANSITIONS,
    ConflictError,
    TransitionError,
    change_status,
)
from backoffice.staff.actor import Actor
from backoffice.views.referrals.forms import DATE_MESSAGE, DATETIME_MESSAGE, SearchForm
from core.audit import AuditEvent
from tests.referrals import DISTRICTS, PERSON_NAME, intake, make_casework, make_referral
from tests.staff import Staff, load_user, make_staff, post_form, sign_in


def client_for(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def viewer(app: Flask, staff: Staff):
    return Actor.of(load_user(app, staff.id))


def actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def case(session: Session, referral_id: int) -> Referral:
    session.expire_all()
    found = session.get(Referral, referral_id)
    assert found is not None
    return found


def field_errors(html: str) -> list[str]:
    """The messages shown under the fields of a page."""
    return re.findall(r'<p class="field-error" id="[^"]+">([^<]*)</p>', html)


def in_english(message: str) -> bool:
    """WTForms' own messages are English ("Not a valid choice."); ours have no Latin letters."""
    return re.search("[A-Za-z]", message) is not None


# ---- intake and consent -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"consent_given": False}, "consent_given"),
        ({"consented_at": None}, "consented_at"),
        ({"consent_method": ""}, "consent_method"),
        ({"consent_wording": "  "}, "consent_wording"),
        ({"share_basic": False, "share_summary": False, "share_assessment": False}, "share_basic"),
        ({"problem_categories": []}, "problem_categories"),
        ({"problem_categories": ["astrology"]}, "problem_categories"),
        ({"phone": "call me", "email": ""}, "phone"),
        ({"phone": "", "line_name": "", "email": ""}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"district": "火星町"}, "district"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"received_at": datetime.now(UTC) + timedelta(days=1)}, "received_at"),
        ({"summary": ""}, "summary"),
    ],
)
def test_an_incomplete_intake_is_refused_and_stores_nothing(
    backoffice_app: Flask, session: Session, change: dict, field: str
) -> None:
    liaison = make_staff(backoffice_app, "liaison")

    with backoffice_app.app_context(), pytest.raises(IntakeError) as refused:
        create_referral(
            session, intake(**change), creator=viewer(backoffice_app, liaison),
            districts=DISTRICTS,
        )  # fmt: skip

    session.rollback()
    assert field in refused.value.problems
    assert session.scalar(select(func.count()).select_from(Referral)) == 0


def test_the_intake_form_cannot_be_sent_without_consent(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))
    values = {
        "received_at": "2026-11-26T09:00", "source_channel": "line", "phone": "090-1111-2222",
        "problem_categories": "debt", "risk_level": "high", "summary": "相談の概要",
        "consented_by": "self", "consented_at": "2026-11-26T09:05", "consent_method": "line",
        "share_basic": "y", "share_summary": "y", "consent_wording": "同意の文言",
        "age_band": "30s",
        "gender": "female", "preferred_method": "phone", "district": "",
    }  # fmt: skip

    refused = post_form(liaison, "/referrals/new", values)
    accepted = post_form(liaison, "/referrals/new", {**values, "consent_given": "y"})

    assert refused.status_code == 400
    assert "本人の同意がないと" in refused.get_data(as_text=True)
    assert accepted.status_code == 302
    assert session.scalar(select(func.count()).select_from(Referral)) == 1


def test_odd_values_in_the_intake_form_get_japanese_messages(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))
    values = {
        "received_at": "yesterday", "source_channel": "fax", "problem_categories": "astrology",
        "person_name": "名" * 201, "risk_level": "high", "summary": "相談の概要",
    }  # fmt: skip

    response = post_form(liaison, "/referrals/new", values)

    messages = field_errors(response.get_data(as_text=True))
    assert response.status_code == 400
    assert DATETIME_MESSAGE in messages
    assert "相談の経路を一覧から選んでください。" in messages
    assert "相談の内容（分野）を一覧から選んでください。" in messages
    assert "200文字以内で入力してください。" in messages
    assert not any(in_english(message) for message in messages)


def test_case_numbers_count_up_per_year(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    last_year = datetime(2025, 12, 31, 14, 0, tzinfo=UTC)  # 2025-12-31 23:00 in Tokyo
    new_year = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)  # 2026-01-01 00:30 in Tokyo

    first = make_referral(backoffice_app, liaison.id, received_at=last_year)
    second = make_referral(backoffice_app, liaison.id, received_at=last_year)
    third = make_referral(backoffice_app, liaison.id, received_at=new_year)

    numbers = [case(session, i).case_number for i in (first, second, third)]
    assert numbers == ["R-2025-0001", "R-2025-0002", "R-2026-0001"]


def test_personal_fields_are_never_stored_in_plain_text(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral_id = make_referral(backoffice_app, liaison.id)

    row = session.execute(
        text("SELECT person_name, phone, summary, assessment, phone_index FROM referral")
    ).one()

    assert all(re.match(r"v\d+\.", value) for value in row[:4])  # the ciphertext's format
    assert PERSON_NAME not in " ".join(row[:4]) and "090-1234-5678" not in row.phone
    assert re.fullmatch(r"[0-9a-f]{64}", row.phone_index)
    assert case(session, referral_id).person_name == PERSON_NAME


# ---- scopes -----------------------------------------------------------------------------------


def test_liaisons_see_only_their_own_cases_and_those_they_were_added_to(
    backoffice_app: Flask, session: Session
) -> None:
    mine, theirs = make_staff(backoffice_app, "liaison"), make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    own = make_referral(backoffice_app, mine.id)
    other = make_referral(backoffice_app, theirs.id)
    client = client_for(backoffice_app, mine)

    listing = client.get("/referrals/").get_data(as_text=True)

    assert case(session, own).case_number in listing
    assert case(session, other).case_number not in listing
    assert client.get(f"/referrals/{other}").status_code == 404
    office = client_for(backoffice_app, coordinator)
    page = office.get(f"/referrals/{other}")
    form = re.search(r'name="staff_user"', page.get_data(as_text=True))
    assert form is not None
    post_form(office, f"/referrals/{other}/members", {"staff_user": str(mine.id)},
              form_url=f"/referrals/{other}")  # fmt: skip
    assert client.get(f"/referrals/{other}").status_code == 200


@pytest.mark.parametrize("role", ["admin", "analyst", "editor", "auditor"])
def test_roles_without_case_work_cannot_open_cases(
    backoffice_app: Flask, session: Session, role: str
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral_id = make_referral(backoffice_app, liaison.id)
    client = client_for(backoffice_app, make_staff(backoffice_app, role))

    assert client.get("/referrals/").status_code == 403
    assert client.get(f"/referrals/{referral_id}").status_code == 403


def test_a_liaison_sees_only_what_the_consent_allows_and_shared_notes(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = client_for(backoffice_app, make_staff(backoffice_app, "coordinator"))
    referral_id = make_referral(
        backoffice_app, liaison.id, share_summary=False, share_assessment=False
    )
    url = f"/referrals/{referral_id}"
    post_form(coordinator, url + "/notes", {"body": "市の内部メモ"}, form_url=url)
    post_form(coordinator, url + "/notes", {"body": "NPOにも伝えるメモ", "shared": "y"},
              form_url=url)  # fmt: skip

    seen = client_for(backoffice_app, liaison).get(url).get_data(as_text=True)
    full = coordinator.get(url).get_data(as_text=True)

    assert PERSON_NAME in seen  # basic details: consented
    assert "NPOにも伝えるメモ" in seen and "市の内部メモ" not in seen
    assert all(t in full for t in ("市の内部メモ", PERSON_NAME))
    assert "アセスメント</dt>" in full and "アセスメント</dt>" not in seen


def test_every_look_at_a_case_is_audited(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral_id = make_referral(backoffice_app, liaison.id)

    client_for(backoffice_app, liaison).get(f"/referrals/{referral_id}")

    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "referral.read"))
    assert event is not None and event.object_id == str(referral_id)
    assert event.actor_login == liaison.login


# ---- workflow ---------------------------------------------------------------------------------


def test_the_whole_path_through_the_workflow(backoffice_app: Flask, session: Session) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    who = viewer(backoffice_app, staff)
    referral = case(session, make_referral(backoffice_app, staff.id))

    with backoffice_app.app_context():
        for status in ("first_contact", "arranging", "supporting", "ended", "followed_up"):
            extra = {"end_reason": "resolved"} if status == "ended" else {}
            version = referral.version
            change_status(session, referral, status, actor=who, expected_version=version,
                          reason=f"→{status}", **extra)  # fmt: skip
        session.commit()

    changes = session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
    assert [c.to_status for c in changes][-1] == "followed_up"
    assert all(c.changed_by_id == staff.id for c in changes)
    assert referral.first_contact_at is not None and referral.ended_at is not None
    assert actions(session).count("referral.status") == 5


@pytest.mark.parametrize("status", ["received", "first_contact", "ended", "unreachable"])
def test_transitions_not_allowed_are_refused_and_change_nothing(
    backoffice_app: Flask, session: Session, status: str
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, staff.id))
    referral.status = status
    session.commit()
    forbidden = [s for s in TRANSITIONS if s not in TRANSITIONS[status] and s != status]

    with backoffice_app.app_context():
        for target in forbidden:
            with pytest.raises(TransitionError):
                change_status(session, referral, target, actor=viewer(backoffice_app, staff),
                              expected_version=referral.version)  # fmt: skip
    session.rollback()
    assert case(session, referral.id).status == status


def test_ending_support_needs_a_reason(backoffice_app: Flask, session: Session) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, staff.id))
    referral.status = "supporting"
    session.commit()

    with backoffice_app.app_context(), pytest.raises(TransitionError, match="理由"):
        change_status(session, referral, "ended", actor=viewer(backoffice_app, staff),
                      expected_version=referral.version)  # fmt: skip


def test_a_stale_status_form_gets_the_conflict_page_and_changes_nothing(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral_id}"
    stale = case(session, referral_id).version
    post_form(office, url + "/status",
              {"status": "first_contact", "version": str(stale)}, form_url=url)  # fmt: skip

    again = post_form(office, url + "/status",
                      {"status": "unreachable", "version": str(stale)}, form_url=url)  # fmt: skip

    assert again.status_code == 409
    assert "ほかの人が先に保存しました" in again.get_data(as_text=True)
    assert case(session, referral_id).status == "first_contact"


def test_a_stale_edit_shows_what_changed_and_overwrites_nothing(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    referral = case(session, referral_id)
    old_version = referral.version
    referral.preferred_times = "平日の夕方"  # someone else saved meanwhile
    session.commit()
    office = client_for(backoffice_app, staff)
    values = {
        "person_name": "別の名前", "age_band": "30s", "gender": "female", "district": "峰山町",
        "phone": "090-1234-5678", "preferred_method": "phone", "problem_categories": "debt",
        "risk_level": "high", "summary": "概要", "version": str(old_version),
    }  # fmt: skip

    response = post_form(office, f"/referrals/{referral_id}/edit", values)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "別の名前" in html and PERSON_NAME in html
    assert case(session, referral_id).person_name == PERSON_NAME


def test_editing_the_person_updates_the_blind_index(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    office = client_for(backoffice_app, staff)
    values = {
        "person_name": "新しい名前", "age_band": "40s", "gender": "female", "district": "峰山町",
        "phone": "080-9999-0000", "preferred_method": "phone", "problem_categories": "debt",
        "risk_level": "medium", "summary": "概要",
        "version": str(case(session, referral_id).version),
    }  # fmt: skip

    assert post_form(office, f"/referrals/{referral_id}/edit", values).status_code == 302

    with backoffice_app.app_context():
        expected = contact_indexes("08099990000", "", "")["phone_index"]
    assert case(session, referral_id).phone_index == expected
    assert case(session, referral_id).age_band == "40s"
    assert "referral.update" in actions(session)


# ---- timeline, withdrawal, follow-up ----------------------------------------------------------


def test_a_reached_contact_is_the_first_contact(backoffice_app: Flask, session: Session) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral_id}"
    moment = (datetime.now(UTC) + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")  # Tokyo time

    no_answer = {"attempted_at": moment, "method": "phone", "result": "no_answer"}
    post_form(office, url + "/contacts", no_answer, form_url=url)
    assert case(session, referral_id).first_contact_at is None
    post_form(office, url + "/contacts", {**no_answer, "result": "reached"}, form_url=url)

    assert case(session, referral_id).first_contact_at is not None
    assert actions(session).count("referral.contact") == 2


def test_an_emergency_action_in_the_future_is_refused(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral_id}"
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = post_form(office, url + "/emergency",
                         {"acted_at": tomorrow, "kind": "ambulance", "outcome": "搬送"},
                         form_url=url)  # fmt: skip

    assert response.status_code == 400
    assert "未来の日時は入力できません" in response.get_data(as_text=True)
    assert "referral.emergency" not in actions(session)


def test_withdrawing_consent_is_recorded_once_and_shown(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral_id = make_referral(backoffice_app, liaison.id)
    client = client_for(backoffice_app, liaison)
    url = f"/referrals/{referral_id}"

    first = post_form(client, url + "/consent/withdraw", {"note": "本人から連絡"}, form_url=url)
    page = client.get(url).get_data(as_text=True)

    assert first.status_code == 302
    assert "本人が同意を撤回しました" in page
    assert case(session, referral_id).consent.withdrawn_by_id == liaison.id
    assert "referral.consent.withdraw" in actions(session)


def test_the_liaison_records_a_follow_up_only_after_support_ended(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral_id = make_referral(backoffice_app, liaison.id)
    client = client_for(backoffice_app, liaison)
    url = f"/referrals/{referral_id}"
    values = {"held_on": datetime.now(UTC).date().isoformat(), "result": "落ち着いて暮らしている"}

    early = post_form(client, url + "/follow-ups", values, form_url=url)
    referral = case(session, referral_id)
    referral.status, referral.ended_at = "ended", datetime.now(UTC)
    session.commit()
    later = post_form(client, url + "/follow-ups", values, form_url=url)

    assert early.status_code == 400 and later.status_code == 302
    assert "落ち着いて暮らしている" in client.get(url).get_data(as_text=True)


# ---- lists ------------------------------------------------------------------------------------


def test_the_case_list_filters_and_pages(backoffice_app: Flask, session: Session) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    for number in range(55):
        make_referral(
            backoffice_app, staff.id, district="網野町" if number % 5 == 0 else "峰山町",
            risk_level="low" if number == 7 else "high",
        )  # fmt: skip
    office = client_for(backoffice_app, staff)

    first = office.get("/referrals/").get_data(as_text=True)
    second = office.get("/referrals/?page=2").get_data(as_text=True)
    amino = office.get("/referrals/?district=網野町").get_data(as_text=True)
    low = office.get("/referrals/?risk=low").get_data(as_text=True)
    by_number = office.get("/referrals/?q=r-2026-0003").get_data(as_text=True)

    assert "55件中 1 / 2 ページ" in first and "55件中 2 / 2 ページ" in second
    assert "11件中" in amino and "1件中" in low
    year = datetime.now(UTC).year
    assert f"R-{year}-0003" in by_number and "1件中" in by_number
    odd = office.get("/referrals/?received_from=yesterday&page=x&status=nope")
    assert odd.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=bogus", "状態を一覧から選んでください。"),
        ("assigned_to=someone", "担当者を一覧から選んでください。"),
        ("district=火星町", "地区を一覧から選んでください。"),
        ("risk=extreme", "リスクを一覧から選んでください。"),
        ("received_from=yesterday", DATE_MESSAGE),
        ("received_to=2026-13-01", DATE_MESSAGE),
    ],
)
def test_an_odd_search_in_the_address_gets_the_list_and_a_japanese_message(
    backoffice_app: Flask, session: Session, query: str, message: str
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    make_referral(backoffice_app, staff.id)

    response = client_for(backoffice_app, staff).get(f"/referrals/?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "件中 1 / " in html
    assert field_errors(html) == [message]
    assert "Not a valid" not in html and "Invalid" not in html


def test_the_search_form_refuses_odd_values_in_its_own_japanese(backoffice_app: Flask) -> None:
    odd = (
        "status=x&assigned_to=x&district=x&risk=x&received_from=x&received_to=x&page=x"
        "&due=x&sort=x&view=x"
    )
    with backoffice_app.test_request_context(f"/referrals/?{odd}&q={'9' * 21}"):
        form = SearchForm(request.args)
        for name in ("status", "assigned_to", "district", "risk"):
            form[name].choices = [("", "すべて")]
        form.validate()

    assert form.errors == {
        "q": ["20文字以内で入力してください。"],
        "status": ["状態を一覧から選んでください。"],
        "assigned_to": ["担当者を一覧から選んでください。"],
        "district": ["地区を一覧から選んでください。"],
        "due": ["次の期限を一覧から選んでください。"],
        "sort": ["並べ順を一覧から選んでください。"],
        "view": ["一覧の種類が正しくありません。"],
        "risk": ["リスクを一覧から選んでください。"],
        "received_from": [DATE_MESSAGE],
        "received_to": [DATE_MESSAGE],
        "page": ["ページは数字で指定してください。"],
    }


def test_changes_to_a_case_are_refused_while_its_version_is_stale(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, staff.id))

    with backoffice_app.app_context(), pytest.raises(ConflictError):
        change_status(session, referral, "first_contact", actor=viewer(backoffice_app, staff),
                      expected_version=referral.version - 1)  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "/referrals/99999999999999999999999",
        "/referrals/1/meetings/99999999999999999999",
        "/referrals/?page=²",
        "/referrals/?page=" + "9" * 5000,
        "/referrals/?received_from=0001-01-01&received_to=9999-12-31",
        "/referrals/?assigned_to=²&risk=nope",
    ],
)
def test_odd_addresses_get_an_ordinary_answer(
    backoffice_app: Flask, session: Session, url: str
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    make_referral(backoffice_app, staff.id)

    response = client_for(backoffice_app, staff).get(url)

    assert response.status_code in (200, 404), url


def test_odd_values_in_forms_are_refused_with_a_message(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral_id}"

    ancient = post_form(office, url + "/contacts",
                        {"attempted_at": "0001-01-01T00:00", "method": "phone",
                         "result": "reached"}, form_url=url)  # fmt: skip
    odd_version = post_form(office, url + "/status",
                            {"status": "first_contact", "version": "²"}, form_url=url)  # fmt: skip

    assert ancient.status_code == 400 and "西暦で入力" in ancient.get_data(as_text=True)
    assert odd_version.status_code == 409
    assert case(session, referral_id).status == "received"


def test_a_liaison_cannot_filter_by_what_the_consent_hides(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    make_referral(backoffice_app, liaison.id, risk_level="high", share_assessment=False)
    client = client_for(backoffice_app, liaison)

    high = client.get("/referrals/?risk=high").get_data(as_text=True)
    low = client.get("/referrals/?risk=low").get_data(as_text=True)

    assert "1件中" in high and "1件中" in low  # the filter is ignored: it would reveal the risk


def test_an_unreachable_case_is_closed_for_retention(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, staff.id))

    with backoffice_app.app_context():
        change_status(session, referral, "unreachable", actor=viewer(backoffice_app, staff),
                      expected_version=referral.version)  # fmt: skip
        session.commit()

    assert referral.ended_at is not None and referral.end_reason == "unreachable"


def test_agency_names_typed_by_staff_are_encrypted_too(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    make_casework(backoffice_app, session, staff.id)
    make_referral(backoffice_app, staff.id, agencies=["山田さんの勤務先の相談室"])

    raw = " ".join(
        repr(session.execute(text(f"SELECT * FROM {table}")).all())  # noqa: S608
        for table in ("referral_consent", "referral_support_meeting", "referral_link")
    )

    for name in ("山田さんの勤務先", "社会福祉協議会", "家計改善支援窓口"):
        assert name not in raw


def test_sharing_with_an_agency_needs_the_persons_consent(
    backoffice_app: Flask, session: Session
) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id, agencies=["地域包括支援センター"])
    office = client_for(backoffice_app, staff)
    url = f"/referrals/{referral_id}"
    today = datetime.now(UTC).date().isoformat()
    meeting = {"held_on": today, "agenda": "今後の支援", "decisions": ""}

    named = post_form(office, url + "/meetings/new",
                      {**meeting, "other_agencies": "地域包括支援センター"},
                      form_url=url + "/meetings/new")  # fmt: skip
    unnamed = post_form(office, url + "/meetings/new",
                        {**meeting, "other_agencies": "ハローワーク"},
                        form_url=url + "/meetings/new")  # fmt: skip
    link = post_form(office, url + "/links/new",
                     {"agency_name": "ハローワーク", "linked_on": today, "status": "proposed"},
                     form_url=url + "/links/new")  # fmt: skip

    assert named.status_code == 302
    assert unnamed.status_code == 400 and "本人が同意した関係機関に含まれていません" in (
        unnamed.get_data(as_text=True)
    )
    assert link.status_code == 400

    confirmed = post_form(office, url + "/meetings/new",
                          {**meeting, "other_agencies": "ハローワーク", "consent_confirmed": "y"},
                          form_url=url + "/meetings/new")  # fmt: skip

    assert confirmed.status_code == 302
    assert case(session, referral_id).consent.agencies == ["地域包括支援センター", "ハローワーク"]
    assert "referral.consent.extend" in actions(session)


def test_an_edit_with_an_overlong_field_is_refused(backoffice_app: Flask, session: Session) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(backoffice_app, staff.id)
    office = client_for(backoffice_app, staff)
    values = {
        "person_name": PERSON_NAME, "age_band": "30s", "gender": "female", "district": "峰山町",
        "phone": "090-1234-5678", "email": "a" * 5000 + "@example.jp",
        "preferred_method": "phone", "problem_categories": "debt", "risk_level": "high",
        "summary": "概要", "version": str(case(session, referral_id).version),
    }  # fmt: skip

    response = post_form(office, f"/referrals/{referral_id}/edit", values)

    assert response.status_code == 400
    assert case(session, referral_id).email is None
    assert "referral.read" in actions(session)  # the page shows the case: its read is kept
