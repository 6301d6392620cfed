"""自治体の設定 in the back office: administrators edit the municipality profile with a preview,
each change is audited with the fields it changed, the public site shows it on the next page,
and nobody else may open, preview or save it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.config import Settings
from core.profile import get_profile, read_profile_file, store_profile
from tests.settings_forms import PAGE, SAVE, confirm_token, form_values, preview, save_preview
from tests.staff import csrf_token, signed_in_client

NEW_PHONE = "0772-69-1234"


@pytest.fixture
def admin(backoffice_app: Flask, demo: Session) -> FlaskClient:
    return signed_in_client(backoffice_app, "admin")


def stored(demo: Session, settings: Settings):
    demo.expire_all()
    return get_profile(demo, read_profile_file(settings.profile_path))


def events(demo: Session) -> list[AuditEvent]:
    demo.expire_all()
    chosen = select(AuditEvent).where(AuditEvent.action == "settings.profile.update")
    return list(demo.scalars(chosen))


def test_the_page_shows_the_stored_profile(admin: FlaskClient) -> None:
    html = admin.get(PAGE).get_data(as_text=True)

    assert 'value="0772-69-0350"' in html
    assert 'value="京丹後市 連携自治体専用相談窓口"' in html
    assert 'value="119"' in html and 'value="救急車・火事"' in html


def test_preview_shows_the_new_values_and_saves_nothing(
    admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    response = preview(admin, phone=NEW_PHONE, dedicated_window_hours="毎日 17時から22時")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "確認（まだ保存していません）" in html
    assert "0772-69-0350 → <strong>0772-69-1234</strong>" in html
    assert 'href="tel:0772691234"' in html  # the contact block as the home page shows it
    assert "毎日 17時から22時" in html
    assert html.count('id="emergency-help-title"') == html.count('id="preview-help-title"') == 1
    assert 'aria-labelledby="preview-contact-title preview-help-title"' in html
    assert stored(demo, settings).phone == "0772-69-0350"
    assert events(demo) == []


def test_saving_the_preview_stores_it_and_audits_the_fields_changed(
    admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    page = preview(admin, phone=NEW_PHONE, section_en="Health Division")

    response = save_preview(admin, page.get_data(as_text=True))

    assert response.status_code == 302
    profile = stored(demo, settings)
    assert (profile.phone, profile.section_en) == (NEW_PHONE, "Health Division")
    [event] = events(demo)
    assert event.reason == "変更した項目: section_en, phone"
    assert event.object_type == "municipality_profile" and event.actor_login
    assert NEW_PHONE not in (event.reason or "")  # names the fields, not the values
    assert "担当課の電話番号" in admin.get(PAGE).get_data(as_text=True)  # the flash message


def test_the_public_home_page_shows_the_new_phone_on_the_next_request(
    admin: FlaskClient, site: Flask, demo: Session
) -> None:
    public = site.test_client()
    assert "tel:0772690350" in public.get("/").get_data(as_text=True)
    assert "tel:0772690350" in public.get("/").get_data(as_text=True)  # now kept in the cache

    save_preview(admin, preview(admin, phone=NEW_PHONE).get_data(as_text=True))

    html = public.get("/").get_data(as_text=True)
    assert "tel:0772691234" in html and "tel:0772690350" not in html
    assert "tel:0772691234" in public.get("/en/").get_data(as_text=True)


def test_a_preview_with_no_change_offers_no_save(admin: FlaskClient, demo: Session) -> None:
    html = preview(admin).get_data(as_text=True)

    assert "変更はありません" in html
    assert 'action="/settings/profile/save"' not in html


def test_partner_origins_are_stored_in_one_form(
    admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    typed = "https://WWW.City.Example.lg.jp/\n\nhttps://partner.example.jp:443\nhttps://www.city.example.lg.jp"
    page = preview(admin, partner_origins=typed)
    assert page.status_code == 200, page.get_data(as_text=True)

    save_preview(admin, page.get_data(as_text=True))

    origins = stored(demo, settings).partner_origins
    assert origins == ("https://www.city.example.lg.jp", "https://partner.example.jp")
    assert events(demo)[0].reason == "変更した項目: partner_origins"


def test_emergency_numbers_can_be_added_and_removed(
    admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    page = preview(
        admin,
        **{
            "emergency_numbers-1-number": "",
            "emergency_numbers-1-label": "",
            "emergency_numbers-1-label_en": "",
            "emergency_numbers-2-number": "＃７１１９",
            "emergency_numbers-2-label": "救急安心センター",
        },
    )
    assert page.status_code == 200, page.get_data(as_text=True)
    save_preview(admin, page.get_data(as_text=True))

    numbers = [(e.number, e.label) for e in stored(demo, settings).emergency_numbers]
    assert numbers == [("119", "救急車・火事"), ("#7119", "救急安心センター")]


def test_a_form_opened_before_another_save_is_refused_at_preview(
    admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    values = form_values(admin.get(PAGE).get_data(as_text=True))
    store_profile(demo, replace(stored(demo, settings), phone="0772-00-0001"))
    demo.commit()

    response = admin.post(PAGE, data={**values, "phone": NEW_PHONE})

    assert response.status_code == 409
    assert "ほかの人が先に保存しました" in response.get_data(as_text=True)
    assert stored(demo, settings).phone == "0772-00-0001"
    assert events(demo) == []


def test_a_preview_confirmed_after_another_save_is_refused(
    admin: FlaskClient, backoffice_app: Flask, demo: Session, settings: Settings
) -> None:
    page = preview(admin, phone=NEW_PHONE).get_data(as_text=True)
    other = signed_in_client(backoffice_app, "admin")
    save_preview(other, preview(other, fax="0772-00-0002").get_data(as_text=True))

    response = save_preview(admin, page)

    assert response.status_code == 409
    profile = stored(demo, settings)
    assert (profile.phone, profile.fax) == ("0772-69-0350", "0772-00-0002")
    assert len(events(demo)) == 1


def test_a_save_without_the_csrf_token_changes_nothing(
    admin: FlaskClient, demo: Session, settings: Settings
) -> None:
    page = preview(admin, phone=NEW_PHONE).get_data(as_text=True)
    values = form_values(page, SAVE)
    del values["csrf_token"]

    assert admin.post(SAVE, data=values).status_code == 400
    values = form_values(admin.get(PAGE).get_data(as_text=True))
    del values["csrf_token"]
    assert admin.post(PAGE, data={**values, "phone": NEW_PHONE}).status_code == 400
    assert stored(demo, settings).phone == "0772-69-0350"
    assert events(demo) == []


def test_a_forged_or_another_users_confirmation_saves_nothing(
    admin: FlaskClient, backoffice_app: Flask, demo: Session, settings: Settings
) -> None:
    page = preview(admin, phone=NEW_PHONE).get_data(as_text=True)
    token = confirm_token(page)
    other = signed_in_client(backoffice_app, "admin")
    other_values = form_values(preview(other).get_data(as_text=True))

    forged = form_values(page, SAVE) | {"preview": token[:-3] + "abc"}
    assert admin.post(SAVE, data=forged).status_code == 302
    stolen = {"csrf_token": other_values["csrf_token"], "preview": token}
    assert other.post(SAVE, data=stolen).status_code == 302

    assert stored(demo, settings).phone == "0772-69-0350"
    assert events(demo) == []
    assert other.get(f"/settings/profile/card-front.png?d={token}").status_code == 400


def test_the_card_preview_draws_the_previewed_values(admin: FlaskClient) -> None:
    token = confirm_token(preview(admin, phone=NEW_PHONE).get_data(as_text=True))

    previewed = admin.get(f"/settings/profile/card-back.png?d={token}")
    current = admin.get("/settings/profile/card-back.png")

    assert previewed.status_code == current.status_code == 200
    assert previewed.mimetype == "image/png"
    assert previewed.data != current.data
    assert admin.get("/settings/profile/card-side.png").status_code == 404


@pytest.mark.parametrize(
    "role", ["coordinator", "supervisor", "liaison", "analyst", "editor", "auditor"]
)
def test_every_other_role_is_refused_and_sees_no_setting(
    backoffice_app: Flask, demo: Session, settings: Settings, role: str
) -> None:
    client = signed_in_client(backoffice_app, role)
    admin_page = signed_in_client(backoffice_app, "admin")
    values = form_values(admin_page.get(PAGE).get_data(as_text=True))
    token = csrf_token(client, "/")  # the sign-out form's: a valid token of this session

    answers = [
        client.get(PAGE),
        client.post(PAGE, data={**values, "csrf_token": token, "phone": NEW_PHONE}),
        client.post(SAVE, data={"csrf_token": token, "preview": "x"}),
        client.get("/settings/profile/card-front.png"),
    ]

    for answer in answers:
        assert answer.status_code == 403
        body = answer.get_data(as_text=True)
        assert 'name="partner_origins"' not in body and "自治体の設定" not in body
    assert stored(demo, settings).phone == "0772-69-0350"
    assert events(demo) == []
