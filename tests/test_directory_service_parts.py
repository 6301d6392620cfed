"""Editing a service's parts in place in the back office: a contact channel, a row of weekly
hours, a date exception, a place (shared or not), and adding and removing its languages.

Each edit changes the stored value, leaves a change record with the old and new value and an
audit event, and reaches what residents see; a refused value changes nothing and says why."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from directory import editing
from directory.models import (
    ChangeRecord,
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
)
from directory.search.query import SearchQuery
from directory.search.reindex import reindex
from directory.search.results import search_services
from tests.staff import csrf_token, post_form, signed_in_client

HOTLINE = "よりそいホットライン"  # one phone channel, weekly rows on every day
# A line the demo records as Japanese only (よりそいホットライン has lines in other languages).
JAPANESE_ONLY = "チャイルドライン"
FAMILY_CENTRE = "京都府家庭支援総合センター"  # three channels
CHILD_CENTRE = "子育て世代包括支援センター「はぐはぐ」"
CITY_HALL = "京丹後市役所（本庁・峰山庁舎）"


def service_named(session: Session, name: str) -> Service:
    session.expire_all()
    service = session.scalar(select(Service).where(Service.name == name))
    assert service is not None
    return service


def address(app: Flask, endpoint: str, **values: object) -> str:
    with app.test_request_context():
        return url_for(f"directory_admin.{endpoint}", **values)


def edit(app: Flask, client: FlaskClient, endpoint: str, data: dict, **values: object):
    """POST an item's edit form, with the CSRF token from its own page."""
    return post_form(client, address(app, endpoint, **values), data)


def change(session: Session, service_id: str, field: str) -> ChangeRecord | None:
    return session.scalar(
        select(ChangeRecord).where(
            ChangeRecord.resource_id == service_id, ChangeRecord.field_name == field
        )
    )


def audit_events(session: Session, action: str, service_id: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.object_id == service_id
            )
        )
    )


def history_size(session: Session, service_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(ChangeRecord)
        .where(ChangeRecord.resource_id == service_id)
    ) or 0  # fmt: skip


def summary_of(session: Session, service: Service, **filters: object):
    session.expire_all()
    query = SearchQuery(text=service.name, per_page=50, **filters)  # type: ignore[arg-type]
    result = search_services(session, query, now=datetime.now(UTC))
    return next((found for found in result.items if found.id == service.id), None)


def found_with_languages(session: Session, service: Service, *codes: str) -> bool:
    session.expire_all()
    query = SearchQuery(languages=codes, per_page=50)
    result = search_services(session, query, now=datetime.now(UTC))
    return service.id in {found.id for found in result.items}


def weekly_row(service: Service) -> Schedule:
    return next(s for s in service.schedules if s.kind == "weekly")


def add_exception(session: Session, service: Service) -> Schedule:
    exception = Schedule(
        kind="exception", valid_from=date(2026, 12, 29), valid_to=date(2027, 1, 3), closed=True,
        description="年末年始",
    )  # fmt: skip
    editing.add_schedule(session, service, exception, editor="setup", network=None)
    session.commit()
    return exception


def add_place(session: Session, service: Service) -> ServiceAtLocation:
    link = editing.add_location(
        session, service,
        {"name": "峰山総合福祉センター", "city": "京丹後市", "address_1": "峰山町杉谷"},
        editor="setup", network=None,
    )  # fmt: skip
    session.commit()
    return link


# Contact channels


def test_editor_edits_a_channel_and_its_result_summary_shows_it(
    backoffice_app: Flask, demo: Session
) -> None:
    service = service_named(demo, HOTLINE)
    channel = service.channels[0]
    old_value = channel.value
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_channel",
        {"kind": "phone", "value": "0120-279-226", "label": "新しい番号", "position": "1"},
        service_id=service.id, channel_id=channel.id,
    )  # fmt: skip

    assert response.status_code == 302
    stored = service_named(demo, HOTLINE).channels[0]
    assert (stored.value, stored.label) == ("0120-279-226", "新しい番号")
    record = change(demo, service.id, "channel 1 value")
    assert record is not None
    assert (record.previous_value, record.replacement_value) == (old_value, "0120-279-226")
    assert record.updated_by.startswith("職員")
    [event] = audit_events(demo, "directory.channel.update", service.id)
    assert event.reason is not None and "channel 1 value" in event.reason
    summary = summary_of(demo, service)
    assert summary is not None
    assert [(c.value, c.label) for c in summary.channels] == [("0120-279-226", "新しい番号")]


def test_moving_a_channel_to_the_top_lists_it_first(backoffice_app: Flask, demo: Session) -> None:
    service = service_named(demo, FAMILY_CENTRE)
    before = [c.id for c in service.channels]
    assert len(before) == 3
    last = service.channels[2]
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_channel",
        {"kind": last.kind, "value": last.value, "label": last.label, "position": "1"},
        service_id=service.id, channel_id=last.id,
    )  # fmt: skip

    assert response.status_code == 302
    assert [c.id for c in service_named(demo, FAMILY_CENTRE).channels] == [
        before[2], before[0], before[1],
    ]  # fmt: skip
    record = change(demo, service.id, "channel 3 position")
    assert record is not None and (record.previous_value, record.replacement_value) == ("3", "1")
    summary = summary_of(demo, service)
    assert summary is not None and summary.channels[0].value == last.value


@pytest.mark.parametrize(
    ("kind", "value", "position", "field", "message"),
    [
        ("chat", "javascript:alert(1)", "1", "value", "https:// で始まるものだけ"),
        ("web", "http://plain.example", "1", "value", "https:// で始まるものだけ"),
        ("phone", "call me", "1", "value", "電話番号は 0120-000-000"),
        ("fax", "075-000-0000", "1", "kind", "選択肢が正しくありません。"),
        ("phone", "0120-279-338", "9", "position", "1 から 1 までの数"),
    ],
)
def test_a_refused_channel_edit_changes_nothing_and_says_why(
    backoffice_app: Flask, demo: Session, kind: str, value: str, position: str, field: str,
    message: str,
) -> None:  # fmt: skip
    service = service_named(demo, HOTLINE)
    channel = service.channels[0]
    before = (channel.kind, channel.value, channel.label, history_size(demo, service.id))
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_channel",
        {"kind": kind, "value": value, "label": "x", "position": position},
        service_id=service.id, channel_id=channel.id,
    )  # fmt: skip

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}' in html
    stored = service_named(demo, HOTLINE).channels[0]
    assert (stored.kind, stored.value, stored.label, history_size(demo, service.id)) == before
    assert audit_events(demo, "directory.channel.update", service.id) == []


def test_saving_a_channel_unchanged_records_nothing(demo: Session) -> None:
    service = service_named(demo, HOTLINE)
    channel = service.channels[0]

    changes = editing.update_channel(
        demo, service, channel.id,
        {"kind": channel.kind, "value": f"  {channel.value} ", "label": channel.label,
         "position": 1},
        editor="e", network=None,
    )  # fmt: skip

    assert changes == []
    assert audit_events(demo, "directory.channel.update", service.id) == []


def test_a_channel_removed_meanwhile_sends_staff_back_to_the_service(
    backoffice_app: Flask, demo: Session
) -> None:
    service = service_named(demo, HOTLINE)
    client = signed_in_client(backoffice_app, "editor")

    response = client.get(
        address(backoffice_app, "edit_channel", service_id=service.id, channel_id=10**6)
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        address(backoffice_app, "edit_service", service_id=service.id)
    )
    assert "その連絡方法は見つかりません。" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


# Weekly hours and date exceptions


def test_editor_edits_a_weekly_row_and_results_use_the_new_hours(
    backoffice_app: Flask, demo: Session
) -> None:
    service = service_named(demo, HOTLINE)
    row = weekly_row(service)
    position = service.schedules.index(row) + 1
    old_day = "月火水木金土日"[row.weekday]  # type: ignore[index]
    new_day = (row.weekday + 1) % 7  # type: ignore[operator]
    client = signed_in_client(backoffice_app, "editor")
    page = client.get(
        address(backoffice_app, "edit_schedule", service_id=service.id, schedule_id=row.id)
    ).get_data(as_text=True)
    assert "毎週の受付時間の編集" in page

    response = edit(
        backoffice_app, client, "edit_schedule",
        {"weekday": str(new_day), "opens_at": "10:00", "closes_at": "18:00",
         "last_intake_at": "17:30"},
        service_id=service.id, schedule_id=row.id,
    )  # fmt: skip

    assert response.status_code == 302
    stored = next(s for s in service_named(demo, HOTLINE).schedules if s.id == row.id)
    assert (stored.weekday, stored.opens_at, stored.closes_at, stored.last_intake_at) == (
        new_day, time(10), time(18), time(17, 30),
    )  # fmt: skip
    record = change(demo, service.id, f"schedule {position} weekday")
    assert record is not None
    assert (record.previous_value, record.replacement_value) == (old_day, "月火水木金土日"[new_day])
    opens = change(demo, service.id, f"schedule {position} opens_at")
    assert opens is not None and opens.replacement_value == "10:00"
    assert audit_events(demo, "directory.schedule.update", service.id)
    summary = summary_of(demo, service)
    assert summary is not None
    assert (new_day, time(10), time(18), time(17, 30)) in [
        (s.weekday, s.opens_at, s.closes_at, s.last_intake_at) for s in summary.schedules
    ]


def test_a_weekly_row_may_run_past_midnight(backoffice_app: Flask, demo: Session) -> None:
    service = service_named(demo, HOTLINE)
    row = weekly_row(service)
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_schedule",
        {"weekday": "4", "opens_at": "22:00", "closes_at": "06:00"},
        service_id=service.id, schedule_id=row.id,
    )  # fmt: skip

    assert response.status_code == 302
    stored = next(s for s in service_named(demo, HOTLINE).schedules if s.id == row.id)
    assert editing.describe(stored) == "金 22:00–6:00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekday": "7", "opens_at": "09:00", "closes_at": "17:00"}, "曜日を選んでください。"),
        ({"weekday": "x", "opens_at": "09:00", "closes_at": "17:00"}, "曜日を選んでください。"),
        ({"weekday": "1", "opens_at": "09:00", "closes_at": ""}, "終了の時刻を入力してください。"),
    ],
)
def test_a_refused_weekly_row_changes_nothing_and_says_why(
    backoffice_app: Flask, demo: Session, data: dict, message: str
) -> None:
    service = service_named(demo, HOTLINE)
    row = weekly_row(service)
    before = (row.weekday, row.opens_at, row.closes_at, history_size(demo, service.id))
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_schedule", data, service_id=service.id, schedule_id=row.id
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    stored = next(s for s in service_named(demo, HOTLINE).schedules if s.id == row.id)
    after = (stored.weekday, stored.opens_at, stored.closes_at, history_size(demo, service.id))
    assert after == before
    assert audit_events(demo, "directory.schedule.update", service.id) == []


def test_editor_turns_a_closed_day_into_special_hours(backoffice_app: Flask, demo: Session) -> None:
    service = service_named(demo, HOTLINE)
    exception = add_exception(demo, service)
    position = service.schedules.index(exception) + 1
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_schedule",
        {"valid_from": "2026-12-30", "valid_to": "2026-12-31", "opens_at": "10:00",
         "closes_at": "15:00", "description": "年末の短縮受付"},
        service_id=service.id, schedule_id=exception.id,
    )  # fmt: skip

    assert response.status_code == 302
    stored = next(s for s in service_named(demo, HOTLINE).schedules if s.id == exception.id)
    assert (stored.valid_from, stored.valid_to, stored.closed) == (
        date(2026, 12, 30), date(2026, 12, 31), False,
    )  # fmt: skip
    assert (stored.opens_at, stored.closes_at, stored.description) == (
        time(10), time(15), "年末の短縮受付",
    )  # fmt: skip
    closed = change(demo, service.id, f"schedule {position} closed")
    assert closed is not None and (closed.previous_value, closed.replacement_value) == (
        "True", "False",
    )  # fmt: skip
    when = change(demo, service.id, f"schedule {position} valid_from")
    assert when is not None
    assert (when.previous_value, when.replacement_value) == ("2026-12-29", "2026-12-30")
    reason = change(demo, service.id, f"schedule {position} description")
    assert reason is not None and reason.previous_value == "年末年始"
    assert audit_events(demo, "directory.schedule.update", service.id)
    page = client.get(address(backoffice_app, "edit_service", service_id=service.id))
    assert "2026-12-30〜2026-12-31 10:00–15:00" in page.get_data(as_text=True)
    summary = summary_of(demo, service)
    assert summary is not None
    assert (date(2026, 12, 30), False, time(10)) in [
        (s.valid_from, s.closed, s.opens_at) for s in summary.schedules
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"valid_from": "2026-12-31", "valid_to": "2026-12-01", "closed": "y"},
         "終わりの日付は始まりの日付より後にしてください。"),
        ({"valid_from": "2026-12-30", "opens_at": "10:00"},
         "休みでない日は、開始と終了の時刻を入力してください。"),
        ({"valid_from": "", "closed": "y"}, "日付を入力してください。"),
    ],
)  # fmt: skip
def test_a_refused_exception_changes_nothing_and_says_why(
    backoffice_app: Flask, demo: Session, data: dict, message: str
) -> None:
    service = service_named(demo, HOTLINE)
    exception = add_exception(demo, service)
    size = history_size(demo, service.id)
    client = signed_in_client(backoffice_app, "editor")

    response = edit(
        backoffice_app, client, "edit_schedule", data,
        service_id=service.id, schedule_id=exception.id,
    )  # fmt: skip

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    stored = next(s for s in service_named(demo, HOTLINE).schedules if s.id == exception.id)
    assert (stored.valid_from, stored.valid_to, stored.closed, stored.opens_at) == (
        date(2026, 12, 29), date(2027, 1, 3), True, None,
    )  # fmt: skip
    assert history_size(demo, service.id) == size
    assert audit_events(demo, "directory.schedule.update", service.id) == []


# Places


def test_editing_a_shared_place_changes_it_for_every_service_at_it(
    backoffice_app: Flask, public_app: Flask, demo: Session
) -> None:
    service, other = service_named(demo, CHILD_CENTRE), service_named(demo, CITY_HALL)
    link = add_place(demo, service)
    demo.add(ServiceAtLocation(id="shared-link", service=other, location=link.location))
    demo.commit()
    client = signed_in_client(backoffice_app, "editor")
    form_page = client.get(
        address(backoffice_app, "edit_location", service_id=service.id, link_id=link.id)
    ).get_data(as_text=True)
    assert "ほかの相談先でも使われています" in form_page and CITY_HALL in form_page

    response = edit(
        backoffice_app, client, "edit_location",
        {"name": "峰山総合福祉センター", "name_kana": "みねやまそうごうふくしせんたー",
         "postal_code": "６２７００１２", "city": "京丹後市", "address_1": "峰山町杉谷691",
         "accessibility": "車いすで入れます。手話通訳あり", "latitude": "35.6245",
         "longitude": "135.0614"},
        service_id=service.id, link_id=link.id,
    )  # fmt: skip

    assert response.status_code == 302
    demo.expire_all()
    stored = demo.get(Location, link.location_id)
    assert stored is not None
    assert (stored.address_1, stored.postal_code, stored.name_kana) == (
        "峰山町杉谷691", "627-0012", "みねやまそうごうふくしせんたー",
    )  # fmt: skip
    assert (stored.latitude, stored.longitude) == (35.6245, 135.0614)
    for each in (service, other):
        record = change(demo, each.id, "location 1 address_1")
        assert record is not None
        assert (record.previous_value, record.replacement_value) == ("峰山町杉谷", "峰山町杉谷691")
        [event] = audit_events(demo, "directory.location.update", each.id)
        assert event.reason is not None and "address_1" in event.reason
    html = public_app.test_client().get(f"/directory/services/{other.id}").get_data(as_text=True)
    assert "峰山町杉谷691" in html and "手話通訳あり" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "address_1": ""}, "name", "場所の名前か住所を入力してください。"),
        ({"postal_code": "12345"}, "postal_code", "7桁の数字"),
        ({"latitude": "35.62", "longitude": ""}, "longitude", "経度は"),
        ({"latitude": "135.06", "longitude": "35.62"}, "latitude", "緯度は"),
        ({"latitude": "north", "longitude": "135.06"}, "latitude", "緯度は"),
    ],
)
def test_a_refused_place_changes_nothing_and_says_why(
    backoffice_app: Flask, demo: Session, data: dict, field: str, message: str
) -> None:
    service = service_named(demo, CHILD_CENTRE)
    link = add_place(demo, service)
    size = history_size(demo, service.id)
    client = signed_in_client(backoffice_app, "editor")
    values = {"name": "峰山総合福祉センター", "address_1": "峰山町杉谷の新しい住所"} | data

    response = edit(
        backoffice_app, client, "edit_location", values, service_id=service.id, link_id=link.id
    )

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}' in html
    demo.expire_all()
    stored = demo.get(Location, link.location_id)
    assert stored is not None
    assert (stored.name, stored.address_1, stored.postal_code, stored.latitude) == (
        "峰山総合福祉センター", "峰山町杉谷", "", None,
    )  # fmt: skip
    assert history_size(demo, service.id) == size


# Languages


def test_a_language_added_makes_the_service_found_in_that_language(
    backoffice_app: Flask, demo: Session
) -> None:
    service = service_named(demo, JAPANESE_ONLY)
    assert not found_with_languages(demo, service, "en")
    client = signed_in_client(backoffice_app, "editor")
    page = address(backoffice_app, "edit_service", service_id=service.id)

    response = post_form(
        client, address(backoffice_app, "add_language", service_id=service.id),
        {"language-code": "en", "language-note": "通訳を通して"}, form_url=page,
    )  # fmt: skip

    assert response.status_code == 302
    stored = service_named(demo, JAPANESE_ONLY).languages
    assert ("en", "英語", "通訳を通して") in [(x.code, x.name, x.note) for x in stored]
    record = change(demo, service.id, "languages")
    assert record is not None
    assert (record.previous_value, record.replacement_value) == ("", "en: 英語（通訳を通して）")
    assert audit_events(demo, "directory.language.add", service.id)
    assert found_with_languages(demo, service, "en")
    assert "英語（en）: 通訳を通して" in client.get(page).get_data(as_text=True)


def test_a_language_removed_is_no_longer_found(backoffice_app: Flask, demo: Session) -> None:
    service = service_named(demo, JAPANESE_ONLY)
    language = editing.add_language(demo, service, "vi", editor="setup", network=None)
    demo.flush()
    language_id = language.id
    reindex(demo, [service])
    demo.commit()
    assert found_with_languages(demo, service, "vi")
    client = signed_in_client(backoffice_app, "editor")
    page = address(backoffice_app, "edit_service", service_id=service.id)

    response = post_form(
        client,
        address(backoffice_app, "remove_language", service_id=service.id, language_id=language_id),
        {}, form_url=page,
    )  # fmt: skip

    assert response.status_code == 302
    assert "vi" not in [x.code for x in service_named(demo, JAPANESE_ONLY).languages]
    removed = demo.scalar(
        select(ChangeRecord).where(
            ChangeRecord.resource_id == service.id, ChangeRecord.field_name == "languages",
            ChangeRecord.replacement_value == "",
        )
    )  # fmt: skip
    assert removed is not None and removed.previous_value == "vi: ベトナム語"
    assert audit_events(demo, "directory.language.remove", service.id)
    assert not found_with_languages(demo, service, "vi")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ja", "日本語（ja）はすでに登録されています。"),
        ("xx", "言語を一覧から選んでください。"),
        ("eng", "言語を一覧から選んでください。"),
    ],
)
def test_a_refused_language_changes_nothing_and_says_why(
    backoffice_app: Flask, demo: Session, code: str, message: str
) -> None:
    service = service_named(demo, JAPANESE_ONLY)
    assert [x.code for x in service.languages] == ["ja"]
    size = history_size(demo, service.id)
    client = signed_in_client(backoffice_app, "editor")
    page = address(backoffice_app, "edit_service", service_id=service.id)

    response = post_form(
        client, address(backoffice_app, "add_language", service_id=service.id),
        {"language-code": code}, form_url=page,
    )  # fmt: skip

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-describedby="language-code-error"' in html
    assert [x.code for x in service_named(demo, JAPANESE_ONLY).languages] == ["ja"]
    assert history_size(demo, service.id) == size
    assert audit_events(demo, "directory.language.add", service.id) == []


# Who may edit


@pytest.mark.parametrize("role", ["coordinator", "liaison", "analyst", "auditor", "admin"])
def test_staff_without_directory_edit_cannot_edit_parts(
    backoffice_app: Flask, demo: Session, role: str
) -> None:
    service = service_named(demo, HOTLINE)
    channel, row = service.channels[0], weekly_row(service)
    link = add_place(demo, service)
    before = (channel.value, row.opens_at, history_size(demo, service.id))
    languages = [x.code for x in service.languages]
    client = signed_in_client(backoffice_app, role)
    token = csrf_token(client, "/account/")
    attempts = {
        address(backoffice_app, "edit_channel", service_id=service.id, channel_id=channel.id):
            {"kind": "phone", "value": "0120-000-000", "position": "1"},
        address(backoffice_app, "edit_schedule", service_id=service.id, schedule_id=row.id):
            {"weekday": "0", "opens_at": "01:00", "closes_at": "02:00"},
        address(backoffice_app, "edit_location", service_id=service.id, link_id=link.id):
            {"name": "別の場所", "address_1": "どこか"},
        address(backoffice_app, "add_language", service_id=service.id):
            {"language-code": "en"},
    }  # fmt: skip

    for url, data in attempts.items():
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url

    stored = service_named(demo, HOTLINE)
    assert (stored.channels[0].value, weekly_row(stored).opens_at) == before[:2]
    assert history_size(demo, service.id) == before[2]
    assert [x.code for x in stored.languages] == languages
