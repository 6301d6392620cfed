"""The HSDS API: every answer satisfies the official HSDS 3.0 schemas, and shows only what is
published."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from functools import cache

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from core.config import PROJECT_ROOT
from directory.hsds.paging import ListQuery
from directory.hsds.vocabulary import CHANNEL_TAXONOMY, term_id
from directory.models import (
    ChangeRecord,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
)
from directory.search.reindex import reindex
from directory.taxonomy import term_id as topic_term_id

SCHEMA_DIR = PROJECT_ROOT.parent / "shared" / "hsds-3.0" / "schema"
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PAGE_RESPONSES = {  # endpoint -> the openapi path whose 200 response it must satisfy
    "api.services": "/services",
    "api.organizations": "/organizations",
    "api.service_at_locations": "/service_at_locations",
    "api.taxonomies": "/taxonomies",
    "api.taxonomy_terms": "/taxonomy_terms",
}


@cache
def registry() -> Registry:
    """Every official schema file, under the address the files use to refer to each other."""
    if not (SCHEMA_DIR / "service.json").exists():
        pytest.fail(f"the official HSDS schemas are missing at {SCHEMA_DIR}")
    return Registry().with_resources(
        (
            BASE + path.relative_to(SCHEMA_DIR).as_posix(),
            Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012),
        )
        for path in SCHEMA_DIR.rglob("*.json")
    )


def assert_valid(instance: object, ref: str) -> None:
    validator = Draft202012Validator(
        {"$ref": BASE + ref},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, errors[:10]


def response_schema(openapi_path: str) -> str:
    pointer = openapi_path.replace("~", "~0").replace("/", "~1")
    return f"openapi.json#/paths/{pointer}/get/responses/200/content/application~1json/schema"


def get(
    client: FlaskClient, app: Flask, endpoint: str, status: int = 200, **values
) -> TestResponse:
    with app.test_request_context():
        url = url_for(endpoint, **values)
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    return response


def published(session: Session) -> list[Service]:
    statement = select(Service).where(Service.status == "published").order_by(Service.id)
    return list(session.scalars(statement))


def test_root_says_which_hsds_it_serves(client: FlaskClient, public_app: Flask) -> None:
    body = get(client, public_app, "api.root").json

    assert_valid(body, response_schema("/"))
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["description"]


def test_every_demo_service_is_listed_and_each_list_page_validates(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    body = get(client, public_app, "api.services", per_page=200).json

    assert_valid(body, response_schema("/services"))
    assert [s["id"] for s in body["contents"]] == [s.id for s in published(demo)]
    assert body["total_items"] == len(published(demo)) > 30


def test_every_demo_service_validates_in_full(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    for service in published(demo):
        body = get(client, public_app, "api.service", service_id=service.id).json

        assert_valid(body, "compiled/service.json")
        assert body["status"] == "active"
        assert body["organization"]["id"] == service.organization_id
        ordered = sorted(service.channels, key=lambda c: c.sort_order)
        assert [p["number"] for p in body["phones"]] == [
            c.value for c in ordered if c.kind == "phone"
        ]


def test_a_service_reads_as_written_in_the_fact_sheet(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    service = demo.scalars(select(Service).where(Service.name == "DV相談ナビ")).one()

    body = get(client, public_app, "api.service", service_id=service.id).json

    assert body["phones"][0]["number"] == "#8008"
    assert body["phones"][0]["description"] == "はれれば"
    assert body["eligibility_description"] == service.audience
    assert body["fees_description"] == service.cost_note
    topics = {a["taxonomy_term_id"] for a in body["attributes"] if a["link_type"] == "topic"}
    assert topics == {topic_term_id(t.code) for t in service.topics}


def test_other_channels_are_attributes_of_the_channel_taxonomy(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    service = demo.scalars(select(Service).where(Service.name == "チャイルドライン")).one()

    body = get(client, public_app, "api.service", service_id=service.id).json

    chat = [a for a in body["attributes"] if a["link_type"] == "contact_channel"]
    assert [(a["taxonomy_term_id"], a["value"]) for a in chat] == [
        (term_id(CHANNEL_TAXONOMY, "chat"), "https://childline.or.jp/chat")
    ]
    terms = get(client, public_app, "api.taxonomy_terms", per_page=200).json["contents"]
    assert chat[0]["taxonomy_term_id"] in {t["id"] for t in terms}


def test_schedules_are_weekly_rules_in_japan_time(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    service = published(demo)[0]
    service.schedules = [
        Schedule(kind="weekly", weekday=0, opens_at=time(9), closes_at=time(17)),
        Schedule(
            kind="exception",
            valid_from=date(2026, 12, 29),
            valid_to=date(2027, 1, 3),
            closed=True,
            description="年末年始",
        ),
    ]
    demo.commit()

    body = get(client, public_app, "api.service", service_id=service.id).json

    assert_valid(body, "compiled/service.json")
    weekly, closed = body["schedules"]
    assert (weekly["freq"], weekly["byday"], weekly["opens_at"], weekly["closes_at"]) == (
        "WEEKLY",
        "MO",
        "09:00:00",
        "17:00:00",
    )
    assert weekly["timezone"] == 9
    assert (closed["valid_from"], closed["valid_to"], closed["description"]) == (
        "2026-12-29",
        "2027-01-03",
        "年末年始",
    )


def test_hours_written_as_text_become_a_schedule_description(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    service = next(s for s in published(demo) if s.hours_note and not s.schedules)

    body = get(client, public_app, "api.service", service_id=service.id).json

    assert [s["description"] for s in body["schedules"]] == [service.hours_note]


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_an_unpublished_service_is_not_found_anywhere(
    demo: Session, client: FlaskClient, public_app: Flask, status: str
) -> None:
    service = published(demo)[0]
    service.status = status
    demo.commit()

    response = get(client, public_app, "api.service", 404, service_id=service.id)

    assert response.mimetype == "application/json"
    assert response.json["message"]
    listed = get(client, public_app, "api.services", per_page=200).json["contents"]
    assert service.id not in {s["id"] for s in listed}


def test_staff_notes_and_history_are_never_shown(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    service = published(demo)[0]
    service.check_note, service.verified_by = "内部メモ-xyz", "職員 山田"
    demo.add(
        ChangeRecord(
            resource_id=service.id,
            resource_type="service",
            last_action_type="update",
            field_name="name",
            updated_by="職員 山田",
        )
    )
    demo.commit()

    text = get(client, public_app, "api.service", service_id=service.id).get_data(as_text=True)

    assert "内部メモ-xyz" not in text
    assert "山田" not in text
    assert "metadata" not in json.loads(text)


def test_organizations_list_and_detail_validate(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    body = get(client, public_app, "api.organizations", per_page=200).json
    assert_valid(body, response_schema("/organizations"))
    assert body["total_items"] == len({s.organization_id for s in published(demo)})

    for listed in body["contents"]:
        detail = get(client, public_app, "api.organization", organization_id=listed["id"]).json
        assert_valid(detail, "compiled/organization.json")
        assert detail["services"]
        assert {s["status"] for s in detail["services"]} == {"active"}


def test_an_organization_without_a_published_service_is_not_found(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    demo.add(Organization(id="6a1d4c64-0000-4000-8000-000000000001", name="下書きだけの団体"))
    demo.add(
        Service(
            id="6a1d4c64-0000-4000-8000-000000000002",
            name="下書き",
            organization_id="6a1d4c64-0000-4000-8000-000000000001",
        )
    )
    demo.commit()

    get(
        client,
        public_app,
        "api.organization",
        404,
        organization_id="6a1d4c64-0000-4000-8000-000000000001",
    )


def test_service_at_locations_show_only_published_services(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    shown, hidden = published(demo)[:2]
    hidden.status = "draft"
    demo.add(
        Location(
            id="7b2e5d75-0000-4000-8000-000000000001",
            name="峰山庁舎",
            address_1="峰山町杉谷691",
            city="京丹後市",
            state_province="京都府",
            postal_code="627-8567",
        )
    )
    for number, service in enumerate((shown, hidden), start=2):
        demo.add(
            ServiceAtLocation(
                id=f"7b2e5d75-0000-4000-8000-00000000000{number}",
                service_id=service.id,
                location_id="7b2e5d75-0000-4000-8000-000000000001",
            )
        )
    demo.commit()

    body = get(client, public_app, "api.service_at_locations").json

    assert_valid(body, response_schema("/service_at_locations"))
    assert [s["service_id"] for s in body["contents"]] == [shown.id]
    assert body["contents"][0]["location"]["addresses"][0]["city"] == "京丹後市"
    detail = get(client, public_app, "api.service", service_id=shown.id).json
    assert_valid(detail, "compiled/service.json")
    assert detail["service_at_locations"][0]["location_id"] == body["contents"][0]["location_id"]


def test_taxonomies_and_terms_validate(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    taxonomies = get(client, public_app, "api.taxonomies").json
    assert_valid(taxonomies, response_schema("/taxonomies"))
    names = {t["name"]: t["id"] for t in taxonomies["contents"]}
    assert set(names) == {"tsunagu-topics", "tsunagu-contact-channel", "tsunagu-fields"}

    terms = get(client, public_app, "api.taxonomy_terms", per_page=200).json
    assert_valid(terms, response_schema("/taxonomy_terms"))
    topics = get(
        client, public_app, "api.taxonomy_terms", taxonomy_id=names["tsunagu-topics"], per_page=200
    ).json["contents"]
    assert {t["code"] for t in topics} >= {"mental-health", "debt", "hikikomori"}
    assert {t["taxonomy"] for t in topics} == {"tsunagu-topics"}


def test_pages_cover_every_service_once(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    first = get(client, public_app, "api.services", per_page=10).json
    total, pages = first["total_items"], first["total_pages"]
    seen = []
    for number in range(1, pages + 1):
        body = get(client, public_app, "api.services", per_page=10, page=number).json
        assert_valid(body, response_schema("/services"))
        assert body["page_number"] == number
        assert body["first_page"] == (number == 1)
        assert body["last_page"] == (number == pages)
        assert body["size"] == len(body["contents"])
        seen += [s["id"] for s in body["contents"]]

    assert pages == -(-total // 10)
    assert sorted(seen) == [s.id for s in published(demo)]
    beyond = get(client, public_app, "api.services", per_page=10, page=pages + 1).json
    assert beyond["empty"] is True
    assert beyond["contents"] == []


def test_per_page_defaults_to_50_and_stops_at_200() -> None:
    assert ListQuery.from_args({}).per_page == 50
    assert ListQuery.from_args({"per_page": "5000"}).per_page == 200
    assert ListQuery.from_args({"page": "3"}).page == 3


@pytest.mark.parametrize(
    "args",
    [
        {"page": "0"},
        {"page": "x"},
        {"per_page": "-1"},
        {"modified_after": "yesterday"},
        {"modified_after": "2026-13-01"},
    ],
)
def test_bad_query_parameters_are_a_json_400(
    demo: Session, client: FlaskClient, public_app: Flask, args: dict
) -> None:
    response = get(client, public_app, "api.services", 400, **args)

    assert response.mimetype == "application/json"
    assert next(iter(args)) in response.json["message"]


def test_filters_by_topic_channel_and_organization(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    def ids(**args) -> set[str]:
        body = get(client, public_app, "api.services", per_page=200, **args).json
        return {s["id"] for s in body["contents"]}

    debt = {s.id for s in published(demo) if "debt" in {t.code for t in s.topics}}
    line = {s.id for s in published(demo) if "line" in {c.kind for c in s.channels}}
    organization = published(demo)[0].organization_id

    assert ids(taxonomy_term_id=topic_term_id("debt")) == debt
    assert ids(taxonomy_term_id=term_id(CHANNEL_TAXONOMY, "line")) == line
    assert ids(organization_id=organization) == {
        s.id for s in published(demo) if s.organization_id == organization
    }
    assert ids(taxonomy_term_id="no-such-term") == set()


def test_modified_after_keeps_services_changed_since(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    old, recent = published(demo)[:2]
    for service in published(demo):
        service.updated_at = datetime(2025, 1, 1, tzinfo=UTC)
    recent.updated_at = datetime(2026, 4, 1, 3, 0, tzinfo=UTC)  # 12:00 in Japan
    demo.commit()

    def ids(since: str) -> list[str]:
        body = get(client, public_app, "api.services", modified_after=since).json
        return [s["id"] for s in body["contents"]]

    assert ids("2026-04-01") == [recent.id]
    assert ids("2026-04-01T12:00:00+09:00") == [recent.id]
    assert ids("2026-04-01T03:00:01Z") == []
    assert old.id in ids("2024-12-31")


def test_search_finds_services_by_name(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    reindex(demo)
    demo.commit()

    body = get(client, public_app, "api.services", search="いのちの電話").json

    assert body["total_items"] >= 3
    assert all("いのち" in s["name"] for s in body["contents"][:3])
    assert get(client, public_app, "api.services", search="該当なしの語zzz").json["empty"]


def test_ndjson_streams_every_result_one_per_line(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    response = get(client, public_app, "api.services", format="ndjson", per_page=5)

    assert response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == len(published(demo))
    for line in lines:
        assert_valid(json.loads(line), "compiled/service_list.json")
    full = get(client, public_app, "api.services", format="ndjson", full="true")
    for line in full.get_data(as_text=True).splitlines():
        assert_valid(json.loads(line), "compiled/service.json")


def test_answers_are_cacheable_open_data_without_cookies(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    service = published(demo)[0]
    responses = [
        get(client, public_app, endpoint) for endpoint in ("api.root", *PAGE_RESPONSES)
    ] + [
        get(client, public_app, "api.service", service_id=service.id),
        get(client, public_app, "api.service", 404, service_id="no-such-service"),
        get(client, public_app, "api.services", 400, page="0"),
    ]
    for response in responses:
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.mimetype == "application/json"


def test_an_unknown_address_under_the_api_is_a_json_404(
    client: FlaskClient, public_app: Flask
) -> None:
    response = get(client, public_app, "api.not_found", 404, unknown="locations/x")

    assert response.json == {"message": "no such endpoint in this API", "status": 404}


def test_japanese_is_sent_as_utf8_not_escaped(
    demo: Session, client: FlaskClient, public_app: Flask
) -> None:
    body = get(client, public_app, "api.services", per_page=200).get_data()

    assert "よりそいホットライン".encode() in body
