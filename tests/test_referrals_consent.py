"""The consent binds the city: a part the person did not agree to share is not stored, at intake
or by any later edit, until the consent is extended (an audited consent change)."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.commands.records import records_group
from backoffice.referrals import records
from backoffice.referrals.consent import ConsentError, extend_sharing, withdraw_consent
from backoffice.referrals.intake import IntakeError, create_referral, update_person
from backoffice.referrals.models import Referral
from backoffice.referrals.sharing import WITHDRAWN
from backoffice.staff.actor import Actor
from core.audit import AuditEvent
from tests.referrals import DISTRICTS, PERSON_NAME, intake, make_referral
from tests.staff import Staff, load_user, make_staff, post_form, sign_in

SUMMARY = "失業して借金の返済に困っている。"
ASSESSMENT = "希死念慮あり。家族の支えは少ない。"


def client_for(app: Flask, staff: Staff) -> FlaskClient:
    client = app.test_client()
    sign_in(client, staff)
    return client


def case(session: Session, referral_id: int) -> Referral:
    session.expire_all()
    found = session.get(Referral, referral_id)
    assert found is not None
    return found


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Referral)) or 0


def actions(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def form_values(**changes: str) -> dict[str, str]:
    """The intake form as a liaison fills it in: basic details and summary shared."""
    values = {
        "received_at": "2026-11-26T09:00", "source_channel": "line", "phone": "090-1111-2222",
        "person_name": PERSON_NAME, "problem_categories": "debt", "risk_level": "high",
        "summary": SUMMARY, "consent_given": "y", "consented_by": "self",
        "consented_at": "2026-11-26T09:05", "consent_method": "line", "share_basic": "y",
        "share_summary": "y", "consent_wording": "同意の文言", "age_band": "30s",
        "gender": "female", "preferred_method": "phone", "district": "",
    }  # fmt: skip
    return {k: v for k, v in {**values, **changes}.items() if v is not None}


# ---- intake -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"share_summary": False, "summary": SUMMARY}, ["summary"]),
        ({"share_assessment": False, "assessment": ASSESSMENT}, ["assessment"]),
        ({"share_basic": False, "person_name": PERSON_NAME, "phone": "090-1234-5678"},
         ["person_name", "phone"]),
        ({"share_basic": False, "age_band": "30s"}, ["age_band"]),
    ],
)  # fmt: skip
def test_what_the_consent_does_not_cover_is_refused_and_nothing_stored(
    backoffice_app: Flask, session: Session, change: dict, fields: list[str]
) -> None:
    liaison = make_staff(backoffice_app, "liaison")

    with backoffice_app.app_context(), pytest.raises(IntakeError) as refused:
        create_referral(
            session, intake(**change), creator=Actor.of(load_user(backoffice_app, liaison.id)),
            districts=DISTRICTS,
        )  # fmt: skip

    session.rollback()
    part = next(name for name in change if name.startswith("share_"))
    assert set(fields) <= set(refused.value.problems)
    assert "ご本人が共有に同意していない項目は入力できません：" in refused.value.problems[part]
    assert count(session) == 0


def test_the_intake_page_names_the_fields_outside_the_consent(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))

    response = post_form(liaison, "/referrals/new", form_values(share_summary=None))

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ご本人が共有に同意していない項目は入力できません：相談の概要。" in html
    assert count(session) == 0


def test_the_intake_page_says_what_an_unticked_box_means(backoffice_app: Flask) -> None:
    liaison = client_for(backoffice_app, make_staff(backoffice_app, "liaison"))

    html = liaison.get("/referrals/new").get_data(as_text=True)

    assert "チェックしない項目は市のシステムに保存されません" in html
    assert "基本情報を市と共有する（名前・よみがな・連絡先" in html


def test_a_case_without_basic_details_or_summary_is_stored_and_shown(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral_id = make_referral(
        backoffice_app, liaison.id, share_basic=False, share_summary=False, share_assessment=True
    )
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral_id}"

    stored = case(session, referral_id)
    page = office.get(url)
    liaison_page = client_for(backoffice_app, liaison).get(url)
    listing = office.get("/referrals/")
    with backoffice_app.app_context():
        coordinator_actor = Actor.of(load_user(backoffice_app, coordinator.id))
        exported = records.export_case(session, stored, "json", actor=coordinator_actor,
                                       reason="開示請求")  # fmt: skip
        pdf = records.export_case(session, stored, "pdf", actor=coordinator_actor,
                                  reason="開示請求")  # fmt: skip

    assert (stored.person_name, stored.phone, stored.summary, stored.wants) == (None,) * 4
    assert stored.phone_index is None and stored.assessment == ASSESSMENT
    html = page.get_data(as_text=True)
    assert page.status_code == liaison_page.status_code == listing.status_code == 200
    assert "名前・連絡先などは市のシステムに記録していません" in html
    assert "本人が共有に同意していないため、記録していません" in html
    assert PERSON_NAME not in html and SUMMARY not in html
    assert json.loads(exported.body)["case_number"] == stored.case_number
    assert pdf.body.startswith(b"%PDF")


# ---- later edits ------------------------------------------------------------------------------


def test_the_update_service_refuses_a_part_not_consented(
    backoffice_app: Flask, session: Session
) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, coordinator.id, share_summary=False))
    version = referral.version

    with backoffice_app.app_context(), pytest.raises(IntakeError) as refused:
        update_person(session, referral, {"summary": SUMMARY, "risk_level": "low"},
                      actor=Actor.of(load_user(backoffice_app, coordinator.id)))  # fmt: skip

    session.rollback()
    assert "summary" in refused.value.problems
    assert case(session, referral.id).summary is None
    assert case(session, referral.id).risk_level == "high"
    assert case(session, referral.id).version == version


def edit_values(referral: Referral, **changes: str) -> dict[str, str]:
    values = {
        "age_band": "30s", "gender": "female", "district": "峰山町", "phone": "090-1234-5678",
        "person_name": PERSON_NAME, "preferred_method": "phone", "problem_categories": "debt",
        "risk_level": "medium", "version": str(referral.version),
    }  # fmt: skip
    return {**values, **changes}


def test_the_edit_page_has_no_field_for_a_part_not_consented_and_refuses_one_sent(
    backoffice_app: Flask, session: Session
) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, coordinator.id, share_summary=False))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}/edit"

    form = office.get(url).get_data(as_text=True)
    forged = post_form(office, url, edit_values(referral, summary=SUMMARY))
    saved = post_form(office, url, edit_values(referral))

    assert 'name="summary"' not in form and 'name="wants"' not in form
    assert "入力欄がありません" in form and 'name="assessment"' in form
    assert forged.status_code == 400
    assert "ご本人が共有に同意していない項目は入力できません：相談の概要" in forged.get_data(
        as_text=True
    )
    assert saved.status_code == 302
    assert case(session, referral.id).summary is None
    assert case(session, referral.id).risk_level == "medium"


def test_the_edit_page_of_a_case_without_basic_details_saves_the_rest(
    backoffice_app: Flask, session: Session
) -> None:
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, coordinator.id, share_basic=False))
    office = client_for(backoffice_app, coordinator)
    url = f"/referrals/{referral.id}/edit"
    values = {"problem_categories": "debt", "risk_level": "low", "summary": "概要を書き直した",
              "version": str(referral.version)}  # fmt: skip

    form = office.get(url).get_data(as_text=True)
    response = post_form(office, url, values)

    assert 'name="person_name"' not in form and 'name="phone"' not in form
    assert response.status_code == 302
    saved = case(session, referral.id)
    assert (saved.summary, saved.risk_level, saved.person_name) == ("概要を書き直した", "low", None)


# ---- extending and withdrawing ------------------------------------------------------------------


def test_extending_the_consent_is_audited_and_then_allows_the_part(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id, share_summary=False))
    url = f"/referrals/{referral.id}"
    npo = client_for(backoffice_app, liaison)

    unconfirmed = post_form(npo, url + "/consent/extend", {"parts": "share_summary"}, form_url=url)
    extended = post_form(npo, url + "/consent/extend",
                         {"parts": "share_summary", "confirmed": "y"}, form_url=url)  # fmt: skip
    office = client_for(backoffice_app, coordinator)
    saved = post_form(office, url + "/edit", edit_values(case(session, referral.id),
                                                         summary=SUMMARY))  # fmt: skip

    assert unconfirmed.status_code == 400
    assert extended.status_code == saved.status_code == 302
    assert case(session, referral.id).consent.share_summary is True
    assert case(session, referral.id).summary == SUMMARY
    [event] = actions(session, "referral.consent.extend_sharing")
    assert event.reason == "share_summary" and event.actor_login == liaison.login


def test_a_withdrawn_consent_cannot_be_extended(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    referral = case(session, make_referral(backoffice_app, liaison.id, share_summary=False))
    who = Actor.of(load_user(backoffice_app, liaison.id))
    with backoffice_app.app_context():
        withdraw_consent(session, referral, note="", actor=who)
        session.commit()

        with pytest.raises(ConsentError, match="撤回"):
            extend_sharing(session, referral, ["share_summary"], confirmed=True, actor=who)

    session.rollback()
    assert case(session, referral.id).consent.share_summary is False
    assert actions(session, "referral.consent.extend_sharing") == []


def test_after_withdrawal_nothing_new_is_stored_but_a_field_may_be_cleared(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    coordinator = make_staff(backoffice_app, "coordinator")
    referral = case(session, make_referral(backoffice_app, liaison.id))
    with backoffice_app.app_context():
        withdraw_consent(session, referral, note="", actor=Actor.of(load_user(
            backoffice_app, liaison.id)))  # fmt: skip
        session.commit()
        who = Actor.of(load_user(backoffice_app, coordinator.id))

        with pytest.raises(IntakeError) as refused:
            update_person(session, referral, {"email": "new@example.jp", "phone": ""},
                          actor=who)  # fmt: skip
        session.rollback()
        referral = case(session, referral.id)
        cleared = update_person(session, referral, {"phone": "", "person_name": PERSON_NAME},
                                actor=who)  # fmt: skip
        session.commit()

    assert refused.value.problems == {"email": WITHDRAWN}
    assert cleared == ["phone"]
    after = case(session, referral.id)
    assert (after.email, after.phone, after.person_name) == (None, None, PERSON_NAME)


# ---- cases stored before the consent bound the city ---------------------------------------------


def test_older_cases_are_cleared_of_what_the_consent_does_not_cover(
    backoffice_app: Flask, session: Session
) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    older = case(session, make_referral(backoffice_app, liaison.id))
    older.consent.share_summary = False  # as the old intake allowed: summary stored regardless
    older.consent.share_basic = False
    session.commit()
    keep = make_referral(backoffice_app, liaison.id)

    listed = backoffice_app.test_cli_runner().invoke(records_group, ["clear-unconsented"])
    unchanged = case(session, older.id).summary
    cleared = backoffice_app.test_cli_runner().invoke(
        records_group, ["clear-unconsented", "--apply"]
    )

    assert listed.exit_code == cleared.exit_code == 0
    assert "summary" in listed.output and "nothing was changed" in listed.output
    assert unchanged == SUMMARY
    after = case(session, older.id)
    assert (after.summary, after.wants, after.person_name, after.phone) == (None,) * 4
    assert after.phone_index is None and after.age_band == "not_stated"
    assert after.assessment == ASSESSMENT  # consented: kept
    assert case(session, keep).summary == SUMMARY
    [event] = actions(session, "referral.consent.clear_unconsented")
    assert "summary" in (event.reason or "") and "借金" not in (event.reason or "")


def test_tsunagu_init_clears_older_cases_too(backoffice_app: Flask, session: Session) -> None:
    liaison = make_staff(backoffice_app, "liaison")
    older = case(session, make_referral(backoffice_app, liaison.id))
    older.consent.share_summary = False  # as the old intake allowed: summary stored regardless
    session.commit()

    result = backoffice_app.test_cli_runner().invoke(args=["tsunagu", "init"])

    assert result.exit_code == 0, result.output
    assert "consent: cleared what 1 older case(s) held outside their consent" in result.output
    after = case(session, older.id)
    assert (after.summary, after.wants) == (None, None)
    assert after.person_name is not None  # the basic part was consented to
