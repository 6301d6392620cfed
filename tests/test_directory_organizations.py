"""Organisations in the back office: the list with service counts, archiving (refused while a
service is published) and restoring, what an archived organisation can no longer be used for,
and how the public API and the HSDS exchange treat it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import get_engine, make_engine
from core.migrate import alembic_config
from directory import editing
from directory.hsds import files
from directory.hsds.dataset import export_dataset
from directory.hsds.importer import import_dataset
from directory.hsds.vocabulary import FIELD_TAXONOMY, term_id
from directory.models import ChangeRecord, Organization, Service
from tests.conftest import SERVER_URL
from tests.databases import fresh_database
from tests.staff import post_form, signed_in_client

MOJ = "法務省（法務局）"  # a demo organisation running two services
STATUS_TERM = term_id(FIELD_TAXONOMY, "organization_status")
REFUSED = "公開中の相談先が2件あるため、アーカイブできません"


def organization(session: Session, name: str = MOJ) -> Organization:
    found = session.scalar(select(Organization).where(Organization.name == name))
    assert found is not None
    return found


def unpublish_services(session: Session, org: Organization) -> None:
    for service in org.services:
        editing.update_service(session, service, {"status": "draft"}, editor="e", network=None)
    session.commit()


def archived_in_the_back_office(app: Flask, session: Session) -> tuple[FlaskClient, str]:
    """An editor's client, and the id of the demo organisation it archived."""
    org = organization(session)
    unpublish_services(session, org)
    client = signed_in_client(app, "editor")
    url = f"/directory/organizations/{org.id}"
    assert post_form(client, f"{url}/archive", {}, form_url=url).status_code == 302
    return client, org.id


def stored(app: Flask, organization_id: str) -> Organization:
    with Session(get_engine(app), expire_on_commit=False) as session:
        found = session.get(Organization, organization_id)
        assert found is not None
        return found


def row_cells(html: str, name: str) -> list[str]:
    """The cells of the table row that names ``name``, as text."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{name}</a>" in r)
    cells = re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def status_changes(session: Session, organization_id: str) -> list[tuple[str, str, str]]:
    records = session.scalars(
        select(ChangeRecord)
        .where(ChangeRecord.resource_id == organization_id, ChangeRecord.field_name == "status")
        .order_by(ChangeRecord.id)
    )
    return [(r.resource_type, r.previous_value, r.replacement_value) for r in records]


def audited(session: Session, action: str, organization_id: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == organization_id)
    ) or 0  # fmt: skip


def test_the_list_shows_every_organisation_with_its_counts(
    backoffice_app: Flask, demo: Session
) -> None:
    org = organization(demo)
    first, second = sorted(org.services, key=lambda s: s.name)
    first.status, second.status = "draft", "archived"
    org.name_kana = "ほうむしょう"
    demo.commit()
    client = signed_in_client(backoffice_app, "editor")

    index = client.get("/directory/").get_data(as_text=True)
    response = client.get("/directory/organizations")

    assert 'href="/directory/organizations"' in index
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<caption>" in html
    names = demo.scalars(select(Organization.name)).all()
    assert len(names) == 29 and all(f">{name}</a>" in html for name in names)
    assert row_cells(html, MOJ) == [MOJ, "ほうむしょう", "利用中", "0", "1", "1"]
    assert row_cells(html, "京都府") == ["京都府", "—", "利用中", "4", "0", "0"]
    assert f'href="/directory/organizations/{org.id}"' in html
    assert 'href="/directory/organizations/new"' in html


def test_archiving_is_refused_while_a_service_is_published(
    backoffice_app: Flask, demo: Session
) -> None:
    org = organization(demo)
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/organizations/{org.id}"

    response = post_form(client, f"{url}/archive", {}, form_url=url)

    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)
    assert "「下書き」か「公開終了」" in response.get_data(as_text=True)
    assert stored(backoffice_app, org.id).status == "active"
    demo.expire_all()
    assert status_changes(demo, org.id) == []
    assert audited(demo, "directory.organization.archive", org.id) == 0


def test_archiving_after_its_services_are_unpublished_is_recorded_and_audited(
    backoffice_app: Flask, demo: Session
) -> None:
    client, org_id = archived_in_the_back_office(backoffice_app, demo)

    assert stored(backoffice_app, org_id).status == "archived"
    demo.expire_all()
    assert status_changes(demo, org_id) == [("organization", "active", "archived")]
    assert audited(demo, "directory.organization.archive", org_id) == 1
    page = client.get(f"/directory/organizations/{org_id}").get_data(as_text=True)
    assert "アーカイブ済み" in page and "アーカイブから戻す" in page
    history = page.split('id="history-title"')[1]
    assert "<td>status</td><td>active</td><td>archived</td>" in history
    for service in organization(demo).services:
        assert f'href="/directory/services/{service.id}">{service.name}</a>' in page
    listed = client.get("/directory/organizations").get_data(as_text=True)
    assert row_cells(listed, MOJ)[2:] == ["アーカイブ済み", "0", "2", "0"]


def test_an_archived_organisation_is_restored(backoffice_app: Flask, demo: Session) -> None:
    client, org_id = archived_in_the_back_office(backoffice_app, demo)
    url = f"/directory/organizations/{org_id}"

    response = post_form(client, f"{url}/restore", {}, form_url=url)

    assert response.status_code == 302
    assert stored(backoffice_app, org_id).status == "active"
    demo.expire_all()
    assert status_changes(demo, org_id) == [
        ("organization", "active", "archived"), ("organization", "archived", "active"),
    ]  # fmt: skip
    assert audited(demo, "directory.organization.restore", org_id) == 1
    assert "この団体をアーカイブする" in client.get(url).get_data(as_text=True)


def test_an_archived_organisation_cannot_be_chosen_for_a_new_service(
    backoffice_app: Flask, demo: Session
) -> None:
    client, org_id = archived_in_the_back_office(backoffice_app, demo)
    count = demo.scalar(select(func.count()).select_from(Service))

    form = client.get("/directory/services/new").get_data(as_text=True)
    response = post_form(
        client, "/directory/services/new", {"name": "新しい窓口", "organization_id": org_id}
    )

    assert f'value="{org_id}"' not in form
    assert organization(demo, "京都府").id in form
    assert response.status_code == 400
    assert "アーカイブされた団体のため選べません" in response.get_data(as_text=True)
    demo.expire_all()
    assert demo.scalar(select(func.count()).select_from(Service)) == count


def test_a_service_cannot_move_to_an_archived_organisation(
    backoffice_app: Flask, demo: Session
) -> None:
    client, org_id = archived_in_the_back_office(backoffice_app, demo)
    service = organization(demo, "京都府").services[0]
    url = f"/directory/services/{service.id}"

    response = post_form(
        client, url,
        {"name": service.name, "organization_id": org_id, "cost": service.cost,
         "area": service.area, "status": "published"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "アーカイブされた団体のため選べません" in response.get_data(as_text=True)
    with Session(get_engine(backoffice_app)) as session:
        assert session.get(Service, service.id).organization_id == service.organization_id  # type: ignore[union-attr]


def test_a_service_of_an_archived_organisation_keeps_it_but_stays_unpublished(
    demo: Session,
) -> None:
    org = organization(demo)
    unpublish_services(demo, org)
    editing.archive_organization(demo, org, editor="e", network=None)
    service = org.services[0]

    kept = editing.update_service(
        demo, service, {"organization_id": org.id, "hours_note": "平日"}, editor="e", network=None
    )
    with pytest.raises(editing.EditError) as raised:
        editing.update_service(demo, service, {"status": "published"}, editor="e", network=None)

    assert [c.field_name for c in kept] == ["hours_note"]
    assert "アーカイブされているため、公開できません" in raised.value.problems["status"]
    assert service.status == "draft"


def test_archiving_twice_or_restoring_an_active_one_is_refused(demo: Session) -> None:
    org = organization(demo, "京都府")

    with pytest.raises(editing.EditError, match="公開中の相談先が4件"):
        editing.archive_organization(demo, org, editor="e", network=None)
    with pytest.raises(editing.EditError, match="アーカイブされていません"):
        editing.restore_organization(demo, org, editor="e", network=None)

    assert org.status == "active"


def test_staff_without_directory_edit_reach_neither_the_list_nor_the_actions(
    backoffice_app: Flask, demo: Session
) -> None:
    org = organization(demo)
    unpublish_services(demo, org)
    client = signed_in_client(backoffice_app, "coordinator")
    url = f"/directory/organizations/{org.id}"

    listing = client.get("/directory/organizations")
    archive = post_form(client, f"{url}/archive", {}, form_url="/account/")

    assert listing.status_code == archive.status_code == 403
    assert stored(backoffice_app, org.id).status == "active"


def test_the_api_neither_lists_nor_serves_an_archived_organisation(
    public_app: Flask, demo: Session
) -> None:
    client = public_app.test_client()
    org = organization(demo, "京都府")
    assert client.get(f"/api/hsds/organizations/{org.id}").status_code == 200
    other = organization(demo)
    unpublish_services(demo, other)
    editing.archive_organization(demo, other, editor="e", network=None)
    # Even data that breaks the rule (an archived organisation with a published service).
    demo.execute(update(Organization).where(Organization.id == org.id).values(status="archived"))
    demo.commit()

    listed = client.get("/api/hsds/organizations?per_page=200").json
    ids = {item["id"] for item in listed["contents"]}  # type: ignore[index]

    assert org.id not in ids and other.id not in ids
    assert len(ids) == listed["total_items"] == 27  # type: ignore[index]  # 29, two archived
    for org_id in (org.id, other.id):
        assert client.get(f"/api/hsds/organizations/{org_id}").status_code == 404
    found = client.get("/api/hsds/organizations?search=京都府&per_page=200").json
    assert org.id not in {item["id"] for item in found["contents"]}  # type: ignore[index]


def test_a_round_trip_keeps_an_archived_organisation_archived(
    demo: Session, other_engine: Engine
) -> None:
    org = organization(demo)
    unpublish_services(demo, org)
    editing.archive_organization(demo, org, editor="職員 山田", network=None)
    demo.commit()
    before = files.dumps(export_dataset(demo))

    data = json.loads(before)
    with Session(other_engine) as session:
        assert import_dataset(session, data).ok
        session.commit()
        after = files.dumps(export_dataset(session))
        assert session.get(Organization, org.id).status == "archived"  # type: ignore[union-attr]

    assert after == before
    marked = {
        o["id"]: [a["value"] for a in o["attributes"] if a["taxonomy_term_id"] == STATUS_TERM]
        for o in data["organizations"]
    }
    assert marked.pop(org.id) == ["archived"]
    assert set(map(tuple, marked.values())) == {()}  # active ones carry no status at all
    public = export_dataset(demo, public=True)
    assert org.id not in {o["id"] for o in public["organizations"]}


def test_an_import_publishing_a_service_of_an_archived_organisation_is_refused(
    demo: Session,
) -> None:
    data = export_dataset(demo)
    org = organization(demo)
    item = next(o for o in data["organizations"] if o["id"] == org.id)
    item["attributes"].append(
        {"id": "00000000-0000-4000-8000-0000000000a1", "link_id": org.id,
         "link_entity": "organization", "link_type": "extension",
         "taxonomy_term_id": STATUS_TERM, "value": "archived"}
    )  # fmt: skip
    service = next(s for s in data["services"] if s["organization_id"] == org.id)

    report = import_dataset(demo, data)

    assert not report.ok
    assert (f"service {service['id']}", "status") in {(p.record, p.field) for p in report.problems}
    demo.rollback()
    assert organization(demo).status == "active"


@pytest.mark.parametrize(("value", "field"), [("archived", "attributes"), ("closed", "value")])
def test_an_import_archiving_an_organisation_with_published_services_is_refused(
    demo: Session, value: str, field: str
) -> None:
    data = export_dataset(demo)
    org = organization(demo)
    item = next(o for o in data["organizations"] if o["id"] == org.id)
    item["attributes"].append(
        {"id": "00000000-0000-4000-8000-0000000000a2", "link_id": org.id,
         "link_entity": "organization", "link_type": "extension",
         "taxonomy_term_id": STATUS_TERM, "value": value}
    )  # fmt: skip
    data["services"] = []  # its published services are the directory's, not the file's

    report = import_dataset(demo, data)

    assert not report.ok
    assert [p.record for p in report.problems] == [f"organization {org.id}"]
    assert report.problems[0].field.endswith(field)
    demo.rollback()
    assert organization(demo).status == "active"


def test_existing_organisations_become_active_and_downgrade_drops_the_status(
    tmp_path: Path,
) -> None:
    from alembic import command

    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0012")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organization (id, name, name_kana, description, website, email,"
                    " created_at, updated_at) VALUES ('o1', '団体', '', '', '', '', :now, :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )

        command.upgrade(alembic_config(engine), "0013")
        with engine.connect() as connection:
            status = connection.execute(text("SELECT status FROM organization")).scalar_one()
        command.downgrade(alembic_config(engine), "0012")
        with engine.connect() as connection:
            columns = connection.execute(text("SELECT * FROM organization")).keys()
        engine.dispose()

    assert status == "active"
    assert "status" not in columns and "name" in columns


def test_a_name_without_a_reading_gets_one_to_check(backoffice_app: Flask, demo: Session) -> None:
    org = organization(demo)
    client = signed_in_client(backoffice_app, "editor")

    html = client.get(f"/directory/organizations/{org.id}").get_data(as_text=True)
    assert "読みの候補:「ほうむしょう(ほうむきょく)」" in html
    assert 'aria-describedby="name_kana-hint"' in html

    org.name_kana = "ほうむしょう"
    demo.commit()
    html = client.get(f"/directory/organizations/{org.id}").get_data(as_text=True)
    assert "読みの候補" not in html  # entered already: nothing is suggested
