"""Staff write the English texts of a service and of its organisation: checked, recorded,
audited, carried by the HSDS export and import."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import get_engine
from directory import editing
from directory.hsds.serialize import organization_to_hsds, service_to_hsds
from directory.hsds.vocabulary import FIELD_TAXONOMY, term_id
from directory.models import ChangeRecord, Organization, Service
from tests.staff import post_form, signed_in_client

NAME = "よりそいホットライン"


def yorisoi(session: Session) -> Service:
    service = session.scalar(select(Service).where(Service.name == NAME))
    assert service is not None
    return service


def form_values(service: Service, **changed: str) -> dict[str, str]:
    values = {
        "name": service.name, "organization_id": service.organization_id, "cost": service.cost,
        "area": service.area, "status": service.status, "hours_note": service.hours_note,
        "name_en": service.name_en, "summary_en": service.summary_en,
        "audience_en": service.audience_en, "hours_note_en": service.hours_note_en,
        "cost_note_en": service.cost_note_en, "summary_easy": service.summary_easy,
    }  # fmt: skip
    return values | changed


def test_english_fields_are_recorded_and_audited_like_the_others(demo: Session) -> None:
    service = yorisoi(demo)

    changes = editing.update_service(
        demo, service,
        {"summary_en": "A free helpline, day and night.", "cost_note_en": "Free call"},
        editor="editor one", network=None,
    )  # fmt: skip
    demo.commit()

    assert {change.field_name for change in changes} == {"summary_en"}
    record = demo.scalar(select(ChangeRecord).where(ChangeRecord.field_name == "summary_en"))
    assert record is not None
    assert record.previous_value.startswith("A free 24-hour helpline")
    assert record.replacement_value == "A free helpline, day and night."
    event = demo.scalar(select(AuditEvent).where(AuditEvent.action == "directory.service.update"))
    assert event is not None and event.reason == "summary_en"


@pytest.mark.parametrize(
    ("field", "text", "shown"),
    [
        ("name_en", "Dedicated helpline（LINE）", "「（」 「）」"),
        ("summary_en", "Open every day、free。", "「、」 「。」"),
        ("hours_note_en", "Monday：10:00-22:00", "「：」"),
        ("cost_note_en", "「Free」 call", "「「」 「」」"),
        ("audience_en", "Anyone\u3000at all", "全角スペース"),
    ],
)
def test_full_width_punctuation_in_english_is_refused_in_japanese(
    demo: Session, field: str, text: str, shown: str
) -> None:
    service = yorisoi(demo)
    before = getattr(service, field)

    with pytest.raises(editing.EditError) as raised:
        editing.update_service(demo, service, {field: text}, editor="e", network=None)

    message = raised.value.problems[field]
    assert "半角" in message and shown in message
    assert getattr(service, field) == before


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name_en", 300), ("summary_en", 300), ("cost_note_en", 500), ("summary_easy", 1000)],
)
def test_texts_longer_than_their_limit_are_refused(demo: Session, field: str, limit: int) -> None:
    service = yorisoi(demo)

    with pytest.raises(editing.EditError) as raised:
        editing.update_service(demo, service, {field: "a" * (limit + 1)}, editor="e", network=None)

    assert f"{limit}文字以内" in raised.value.problems[field]


def test_the_easy_summary_may_hold_japanese_punctuation(demo: Session) -> None:
    service = yorisoi(demo)

    editing.update_service(
        demo, service, {"summary_easy": "いつでも 電話が できます。"}, editor="e", network=None
    )

    assert service.summary_easy == "いつでも 電話が できます。"


def test_editor_writes_the_english_texts_on_the_service_page(
    backoffice_app: Flask, demo: Session
) -> None:
    service = yorisoi(demo)
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"
    page = client.get(url).get_data(as_text=True)
    assert "英語のページ・やさしい日本語のページ" in page and "helpline" in page

    response = post_form(client, url, form_values(service, name_en="Yorisoi Hotline (24 hours)"))

    assert response.status_code == 302
    with Session(get_engine(backoffice_app)) as session:
        assert session.get(Service, service.id).name_en == "Yorisoi Hotline (24 hours)"  # type: ignore[union-attr]
    assert "Yorisoi Hotline (24 hours)" in client.get(url).get_data(as_text=True)


def test_full_width_brackets_are_refused_on_the_page_and_nothing_is_saved(
    backoffice_app: Flask, demo: Session
) -> None:
    service = yorisoi(demo)
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"

    response = post_form(
        client, url,
        form_values(service, name_en="Dedicated helpline（LINE）", hours_note="変えた時間"),
    )  # fmt: skip

    assert response.status_code == 400
    assert "半角の記号" in response.get_data(as_text=True)
    with Session(get_engine(backoffice_app)) as session:
        stored = session.get(Service, service.id)
        assert stored is not None
        assert stored.name_en == "Yorisoi Hotline" and stored.hours_note != "変えた時間"


def test_editor_gives_an_organisation_its_english_name(
    backoffice_app: Flask, demo: Session
) -> None:
    organization = yorisoi(demo).organization
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/organizations/{organization.id}"
    fields = {"name": organization.name, "name_kana": "", "description": "", "website": ""}

    refused = post_form(client, url, fields | {"name_en": "Social Inclusion（Support）"})
    saved = post_form(client, url, fields | {"name_en": "Social Inclusion Support Centre"})

    assert refused.status_code == 400 and "半角の記号" in refused.get_data(as_text=True)
    assert saved.status_code == 302
    with Session(get_engine(backoffice_app)) as session:
        stored = session.get(Organization, organization.id)
        assert stored is not None and stored.name_en == "Social Inclusion Support Centre"
        assert (
            session.scalar(
                select(ChangeRecord.replacement_value).where(
                    ChangeRecord.resource_id == organization.id,
                    ChangeRecord.field_name == "name_en",
                )
            )
            == "Social Inclusion Support Centre"
        )


def test_the_hsds_export_carries_the_english_fields_and_the_import_stores_them(
    demo: Session,
) -> None:
    # The demo itself goes in through the HSDS import (directory.demo), so what it stored
    # came through the attributes below.
    service = yorisoi(demo)
    exported = service_to_hsds(service)
    values = {
        attribute["taxonomy_term_id"]: attribute.get("value")
        for attribute in exported["attributes"]
    }
    organization = organization_to_hsds(service.organization)

    assert values[term_id(FIELD_TAXONOMY, "name_en")] == "Yorisoi Hotline"
    assert values[term_id(FIELD_TAXONOMY, "summary_en")] == service.summary_en
    assert values[term_id(FIELD_TAXONOMY, "hours_note_en")].startswith("24 hours a day")
    # Left out when empty, like every field at its default.
    assert values.get(term_id(FIELD_TAXONOMY, "summary_easy")) == (service.summary_easy or None)
    assert {a.get("value") for a in organization["attributes"]} >= {
        "Social Inclusion Support Center"
    }
    assert service.name_en == "Yorisoi Hotline"
    assert service.organization.name_en == "Social Inclusion Support Center"
