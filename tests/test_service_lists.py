"""案内リスト in the back office: made, changed, printed and deleted by the city's staff who meet
residents, each audited without personal data; bad input refused in Japanese, storing nothing."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.service_lists.models import ServiceList
from core.audit import AuditEvent
from directory.models import Service
from tests.staff import csrf_token, post_form, signed_in_client

BASE = "https://tsunagu.test"


def published(session: Session, count: int) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Service.id, Service.name)
        .where(Service.status == "published")
        .order_by(Service.sort_order, Service.name)
    ).all()
    return [(row.id, row.name) for row in rows[:count]]


def make_list(client: FlaskClient, places: dict[str, str], **fields: str):
    data = {"name": "窓口で渡す一覧", "note": "月曜の相談会で配布"} | fields
    data |= {f"place-{service_id}": place for service_id, place in places.items()}
    return post_form(client, "/service-lists/new", data)


def events(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def list_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ServiceList)) or 0


@pytest.fixture
def coordinator(backoffice_app: Flask, demo: Session) -> FlaskClient:
    return signed_in_client(backoffice_app, "coordinator")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("coordinator", True),
        ("supervisor", True),
        ("liaison", False),
        ("admin", False),
        ("analyst", False),
        ("editor", False),
        ("auditor", False),
    ],
)
def test_only_the_citys_staff_who_meet_residents_may_make_lists(
    backoffice_app: Flask, demo: Session, role: str, allowed: bool
) -> None:
    client = signed_in_client(backoffice_app, role)
    page = client.get("/service-lists/")
    menu = client.get("/").get_data(as_text=True)

    assert page.status_code == (200 if allowed else 403)
    assert ('href="/service-lists/"' in menu) is allowed


def test_a_list_keeps_the_services_in_the_order_given_and_is_audited_without_its_text(
    coordinator: FlaskClient, demo: Session
) -> None:
    (a, name_a), (b, name_b), (c, name_c) = published(demo, 3)
    response = make_list(coordinator, {a: "2", b: "", c: "1"})

    assert response.status_code == 302
    saved = demo.scalars(select(ServiceList)).one()
    assert saved.service_ids == [c, a] and saved.note == "月曜の相談会で配布"
    html = coordinator.get(f"/service-lists/{saved.id}").get_data(as_text=True)
    assert html.index(name_c) < html.index(name_a) and name_b not in html
    (event,) = events(demo, "service_list.create")
    assert event.object_id == str(saved.id) and event.reason == "2 services"
    assert "窓口" not in (event.reason or "") and "月曜" not in (event.reason or "")


@pytest.mark.parametrize(
    ("fields", "places", "message"),
    [
        ({"name": " "}, {0: "1"}, "リストの名前を入力してください。"),
        ({}, {}, "載せる相談先を1件以上選んでください。"),
        ({}, {0: "一"}, "順番は 1、2、3 のように数字で入力してください。"),
        ({"note": "一行目\n二行目"}, {0: "1"}, "メモは1行で入力してください"),
        ({"name": "名" * 101}, {0: "1"}, "100文字以内"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_stores_nothing(
    coordinator: FlaskClient,
    demo: Session,
    fields: dict[str, str],
    places: dict[int, str],
    message: str,
) -> None:
    services = published(demo, 2)
    response = make_list(coordinator, {services[i][0]: p for i, p in places.items()}, **fields)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert list_count(demo) == 0 and not events(demo, "service_list.create")


def test_a_service_not_published_cannot_be_put_on_a_list(
    coordinator: FlaskClient, demo: Session
) -> None:
    response = make_list(coordinator, {"no-such-service": "1"})

    assert response.status_code == 400 and list_count(demo) == 0


def test_a_form_without_its_csrf_token_changes_nothing(
    coordinator: FlaskClient, demo: Session
) -> None:
    ((a, _),) = published(demo, 1)
    response = coordinator.post("/service-lists/new", data={"name": "x", f"place-{a}": "1"})

    assert response.status_code == 400 and list_count(demo) == 0


def test_changing_and_deleting_a_list_are_audited(coordinator: FlaskClient, demo: Session) -> None:
    (a, _), (b, _) = published(demo, 2)
    make_list(coordinator, {a: "1", b: "2"})
    saved = demo.scalars(select(ServiceList)).one()
    list_id = saved.id
    url = f"/service-lists/{list_id}/edit"

    changed = post_form(
        coordinator, url, {"name": "訪問用", "note": "", f"place-{a}": "2", f"place-{b}": "1"}
    )
    demo.expire_all()
    assert changed.status_code == 302 and saved.service_ids == [b, a] and saved.name == "訪問用"
    assert len(events(demo, "service_list.update")) == 1

    detail = coordinator.get(f"/service-lists/{list_id}").get_data(as_text=True)
    assert f'href="/service-lists/{list_id}/delete"' in detail  # asked once more, first
    confirm = coordinator.get(f"/service-lists/{list_id}/delete")
    assert confirm.status_code == 200 and "「訪問用」を削除しますか" in confirm.get_data(
        as_text=True
    )
    assert list_count(demo) == 1  # asking deletes nothing

    deleted = post_form(
        coordinator,
        f"/service-lists/{list_id}/delete",
        {},
        form_url=f"/service-lists/{list_id}/delete",
    )
    assert deleted.status_code == 302 and list_count(demo) == 0
    assert [e.object_id for e in events(demo, "service_list.delete")] == [str(list_id)]
    assert coordinator.get(f"/service-lists/{list_id}").status_code == 404


def test_the_handout_is_an_a4_pdf_with_the_list_the_citys_contact_and_working_qr_codes(
    coordinator: FlaskClient, demo: Session
) -> None:
    (a, name_a), (b, name_b) = published(demo, 2)
    make_list(coordinator, {a: "1", b: "2"}, name="相談会の案内")
    saved = demo.scalars(select(ServiceList)).one()
    detail = f"/service-lists/{saved.id}"

    response = coordinator.post(
        f"{detail}/print", data={"csrf_token": csrf_token(coordinator, detail)}
    )

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    document = pdfium.PdfDocument(response.get_data())
    assert all(
        abs(w - 595.28) < 1 and abs(h - 841.89) < 1 for w, h in (p.get_size() for p in document)
    )
    text = re.sub(r"\s", "", "".join(p.get_textpage().get_text_bounded() for p in document))
    for expected in (
        "相談会の案内",
        "月曜の相談会で配布",
        name_a,
        name_b,
        "0772-69-0350",
        "専用相談窓口",
        "119",
    ):
        assert re.sub(r"\s", "", expected) in text, expected
    first = document[0].render(scale=200 / 72).to_pil().convert("L")
    found = {b.text for b in zxingcpp.read_barcodes(first, formats=zxingcpp.BarcodeFormat.QRCode)}
    assert {f"{BASE}/directory/services/{a}", f"{BASE}/directory/services/{b}"} <= found
    assert [e.object_id for e in events(demo, "service_list.print")] == [str(saved.id)]


def test_printing_needs_the_csrf_token(coordinator: FlaskClient, demo: Session) -> None:
    ((a, _),) = published(demo, 1)
    make_list(coordinator, {a: "1"})
    saved = demo.scalars(select(ServiceList)).one()

    assert coordinator.post(f"/service-lists/{saved.id}/print").status_code == 400
    assert not events(demo, "service_list.print")
