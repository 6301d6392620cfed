"""Staff editing of the directory: validation, per-field history, audit, verification."""

from __future__ import annotations

from datetime import date, time

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from core.audit import AuditEvent
from core.db import get_engine
from directory import editing
from directory.models import ChangeRecord, Schedule, SearchSynonym, Service
from tests.staff import post_form, signed_in_client

EDITOR = Actor(None, None)


def first_service(session: Session, name: str = "よりそいホットライン") -> Service:
    service = session.scalar(select(Service).where(Service.name == name))
    assert service is not None
    return service


def test_each_changed_field_is_recorded_with_old_and_new(demo: Session) -> None:
    service = first_service(demo)

    changes = editing.update_service(
        demo, service, {"hours_note": "24時間", "cost": "free", "name": service.name},
        editor="editor one", network=None,
    )  # fmt: skip
    demo.commit()

    assert {c.field_name for c in changes} == {"hours_note"}
    record = demo.scalar(select(ChangeRecord).where(ChangeRecord.field_name == "hours_note"))
    assert record is not None and record.replacement_value == "24時間"
    assert record.previous_value.startswith("24時間・365日")
    assert record.updated_by == "editor one"
    assert demo.scalar(select(AuditEvent).where(AuditEvent.action == "directory.service.update"))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://insecure.example"}, "url"),
        ({"name": "  "}, "name"),
        ({"status": "deleted"}, "status"),
        ({"audiences": ["everyone"]}, "audiences"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(demo: Session, values: dict, field: str) -> None:
    service = first_service(demo)
    before = {k: getattr(service, k) for k in values}

    with pytest.raises(editing.EditError) as raised:
        editing.update_service(demo, service, values, editor="e", network=None)

    assert field in raised.value.problems
    assert {k: getattr(service, k) for k in values} == before


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("phone", "0120-279-338", True),
        ("phone", "#8008", True),
        ("phone", "189", True),
        ("phone", "call me", False),
        ("chat", "https://chat.example.jp/", True),
        ("chat", "javascript:alert(1)", False),
        ("web", "http://plain.example", False),
        ("line", "@some-account", True),
        ("line", "https://line.me/R/ti/p/@x", True),
        ("email", "soudan@example.jp", True),
        ("email", "not an address", False),
    ],
)
def test_contact_channels_accept_only_safe_values(kind: str, value: str, ok: bool) -> None:
    assert (editing.check_channel(kind, value) is None) is ok


def test_marking_verified_records_who_and_when_and_clears_the_flag(demo: Session) -> None:
    service = first_service(demo, "北京都ジョブパーク")
    assert service.needs_check

    editing.mark_verified(demo, service, editor="checker", network=None, today=date(2026, 11, 26))

    assert service.verified_at == date(2026, 11, 26) and service.verified_by == "checker"
    assert not service.needs_check
    assert service not in editing.stale_services(demo, days=180, today=date(2026, 12, 1))
    assert service in editing.stale_services(demo, days=180, today=date(2027, 6, 1))


def test_low_confidence_rows_are_listed_to_verify(demo: Session) -> None:
    names = {s.name for s in editing.services_to_verify(demo)}

    assert "北京都ジョブパーク" in names and "DV相談＋（プラス）" not in names


def test_schedules_are_validated(demo: Session) -> None:
    service = first_service(demo)

    with pytest.raises(editing.EditError):
        editing.add_schedule(
            demo, service,
            Schedule(kind="exception", valid_from=date(2026, 12, 31), valid_to=date(2026, 12, 1),
                     closed=True),
            editor="e", network=None,
        )  # fmt: skip
    editing.add_schedule(
        demo, service,
        Schedule(kind="weekly", weekday=0, opens_at=time(22), closes_at=time(6)),
        editor="e", network=None,
    )  # fmt: skip

    assert editing.describe(service.schedules[-1]) == "月 22:00–6:00"


def test_editor_edits_a_service_through_the_back_office(
    backoffice_app: Flask, demo: Session
) -> None:
    service = first_service(demo)
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"
    page = client.get(url).get_data(as_text=True)
    assert "変更の履歴" in page

    response = post_form(
        client, url,
        {"name": service.name, "organization_id": service.organization_id, "cost": "free",
         "area": "national", "status": "published", "hours_note": "24時間（確認済み）",
         "topics": ["mental-health"]},
    )  # fmt: skip

    assert response.status_code == 302
    with Session(get_engine(backoffice_app)) as session:
        stored = session.get(Service, service.id)
        assert stored is not None and stored.hours_note == "24時間（確認済み）"
        assert [t.code for t in stored.topics] == ["mental-health"]
    assert "24時間（確認済み）" in client.get(url).get_data(as_text=True)


def test_renaming_an_organisation_reaches_search_and_its_results(
    backoffice_app: Flask, demo: Session
) -> None:
    from datetime import UTC, datetime

    from directory.search.query import SearchQuery
    from directory.search.results import search_services

    service = first_service(demo)
    organization = service.organization
    client = signed_in_client(backoffice_app, "editor")

    response = post_form(
        client, f"/directory/organizations/{organization.id}",
        {"name": "ゆうぐれ相談会", "name_kana": "ゆうぐれそうだんかい", "description": "",
         "website": ""},
    )  # fmt: skip

    assert response.status_code == 302
    demo.expire_all()
    result = search_services(demo, SearchQuery(text="ゆうぐれ相談会"), now=datetime.now(UTC))
    assert service.id in [summary.id for summary in result.items]
    assert {summary.organization.name for summary in result.items} == {"ゆうぐれ相談会"}


def test_marking_verified_in_the_back_office_clears_the_badge_in_results(
    backoffice_app: Flask, demo: Session
) -> None:
    from datetime import UTC, datetime

    from directory.search.query import SearchQuery
    from directory.search.results import search_services

    service = first_service(demo, "北京都ジョブパーク")
    client = signed_in_client(backoffice_app, "editor")

    def flagged_in_results() -> bool:
        demo.expire_all()
        result = search_services(demo, SearchQuery(text=service.name), now=datetime.now(UTC))
        return next(summary.needs_check for summary in result.items if summary.id == service.id)

    assert flagged_in_results()
    url = f"/directory/services/{service.id}"
    response = post_form(client, f"{url}/verify", {}, form_url=url)

    assert response.status_code == 302
    assert not flagged_in_results()


def test_a_javascript_link_is_refused_with_a_message(backoffice_app: Flask, demo: Session) -> None:
    service = first_service(demo)
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"

    response = post_form(
        client, f"{url}/channels",
        {"channel-kind": "chat", "channel-value": "javascript:alert(1)", "channel-label": "x"},
        form_url=url,
    )  # fmt: skip

    assert response.status_code == 400
    assert "https:// で始まるものだけ" in response.get_data(as_text=True)
    with Session(get_engine(backoffice_app)) as session:
        values = [c.value for c in session.get(Service, service.id).channels]  # type: ignore[union-attr]
    assert "javascript:alert(1)" not in values


def test_editor_adds_weekly_hours_and_a_closed_day(backoffice_app: Flask, demo: Session) -> None:
    service = first_service(demo, "北京都ジョブパーク")
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"

    weekly = post_form(
        client, f"{url}/hours",
        {"weekly-weekdays": ["0", "1"], "weekly-opens_at": "09:00", "weekly-closes_at": "17:00"},
        form_url=url,
    )  # fmt: skip
    closed = post_form(
        client, f"{url}/exceptions",
        {"exception-valid_from": "2026-12-29", "exception-valid_to": "2027-01-03",
         "exception-closed": "y", "exception-description": "年末年始"},
        form_url=url,
    )  # fmt: skip

    assert weekly.status_code == closed.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "月 9:00–17:00" in page and "火 9:00–17:00" in page and "休み" in page


def test_staff_add_a_synonym_group_that_search_uses(backoffice_app: Flask, demo: Session) -> None:
    from datetime import UTC, datetime

    from directory.search.query import SearchQuery
    from directory.search.results import search_services

    client = signed_in_client(backoffice_app, "editor")
    before = search_services(demo, SearchQuery.from_args({"q": "ゆうぐれ"}), now=datetime.now(UTC))
    assert before.total == 0

    response = post_form(client, "/directory/synonyms", {"terms": "ゆうぐれ、いのちの電話"})
    bad = post_form(client, "/directory/synonyms", {"terms": "ひとつだけ"})

    assert response.status_code == 302
    assert bad.status_code == 400 and "二つ以上" in bad.get_data(as_text=True)
    demo.expire_all()
    after = search_services(demo, SearchQuery.from_args({"q": "ゆうぐれ"}), now=datetime.now(UTC))
    assert after.total > 0
    assert "京都いのちの電話" in [summary.name for summary in after.items]

    group = demo.scalars(select(SearchSynonym).order_by(SearchSynonym.id.desc())).first()
    assert group is not None and "ゆうぐれ" in group.terms
    removed = post_form(
        client, f"/directory/synonyms/{group.id}/delete", {}, form_url="/directory/synonyms"
    )
    assert removed.status_code == 302
    demo.expire_all()
    gone = search_services(demo, SearchQuery.from_args({"q": "ゆうぐれ"}), now=datetime.now(UTC))
    assert gone.total == 0


def test_editor_adds_a_place_and_districts_that_residents_see(
    backoffice_app: Flask, public_app: Flask, demo: Session
) -> None:
    service = first_service(demo, "子育て世代包括支援センター「はぐはぐ」")
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"

    place = post_form(
        client, f"{url}/locations",
        {"location-name": "峰山総合福祉センター", "location-city": "京丹後市",
         "location-address_1": "峰山町杉谷", "location-accessibility": "車いすで入れます"},
        form_url=url,
    )  # fmt: skip
    empty = post_form(client, f"{url}/locations", {"location-name": ""}, form_url=url)
    areas = post_form(
        client,
        f"{url}/areas",
        {"areas-areas": ["district:峰山町", "district:大宮町"]},
        form_url=url,
    )

    assert place.status_code == areas.status_code == 302
    assert empty.status_code == 400 and "場所の名前か住所" in empty.get_data(as_text=True)
    with Session(get_engine(backoffice_app)) as session:
        stored = session.get(Service, service.id)
        assert stored is not None
        assert [(a.name, a.extent_type) for a in stored.service_areas] == [
            ("峰山町", "district"), ("大宮町", "district"),
        ]  # fmt: skip
    html = public_app.test_client().get(url).get_data(as_text=True)
    assert "峰山総合福祉センター" in html and "車いすで入れます" in html
    assert "峰山町、大宮町" in html


def test_editor_removes_a_channel_and_an_unknown_one_is_not_found(
    backoffice_app: Flask, demo: Session
) -> None:
    service = first_service(demo)
    channel_id = service.channels[0].id
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"

    removed = post_form(client, f"{url}/channels/{channel_id}/delete", {}, form_url=url)
    again = post_form(client, f"{url}/channels/{channel_id}/delete", {}, form_url=url)

    assert removed.status_code == 302 and again.status_code == 404
    with Session(get_engine(backoffice_app)) as session:
        stored = session.get(Service, service.id)
        assert stored is not None and channel_id not in [c.id for c in stored.channels]
