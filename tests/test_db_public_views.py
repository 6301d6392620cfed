"""PostgreSQL, signed in as the public role: published rows and public columns only, through the
``public_read`` views, and every public page and the HSDS API still work that way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from cards.batches import standing_batch
from cards.designs import ensure_card_setup
from cards.models import ScanCount
from core.config import DEFAULT_PROFILE, Settings
from core.db import Base, get_engine
from core.dbroles import apply_role_grants
from core.profile import read_profile_file, store_profile
from directory.demo import load_demo_directory
from directory.models import ContactChannel, Organization, SearchSynonym, Service, TaxonomyTerm
from public_site import create_app as create_public_app
from tests.test_db_roles import (
    acting_as,
    assert_denied,
    drop_roles,
    migrated_database,
    role_url,
    unique_roles,
)

pytestmark = pytest.mark.postgres_only
STAFF_NOTE = "電話番号は古いかもしれない（職員メモ）"


@dataclass(frozen=True)
class Directory:
    engine: Engine
    public: str
    published: str  # a published service's id
    draft: str  # a draft service's id, its organisation runs nothing published


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    public, backoffice = unique_roles()
    with migrated_database(tmp_path_factory.mktemp("views")) as engine:
        with Session(engine) as owner, owner.begin():
            profile = read_profile_file(DEFAULT_PROFILE)
            store_profile(owner, profile)
            load_demo_directory(owner)
            ensure_card_setup(owner, profile)
            published = owner.scalars(select(Service).where(Service.status == "published")).first()
            assert published is not None
            published.check_note = STAFF_NOTE
            published.verified_by = "staff-login"
            published.other_terms = [  # another system's, kept for staff by a lenient import
                TaxonomyTerm(id="term-other", taxonomy="AIRS", code="BD-1800", name="Food Pantries")
            ]
            hidden = Organization(id="org-draft", name="準備中の団体")
            draft = Service(
                id="svc-draft", organization=hidden, name="準備中の窓口", status="draft"
            )
            draft.channels.append(ContactChannel(kind="phone", value="0120-999-999"))
            owner.add_all([hidden, draft, SearchSynonym(terms=["甲", "乙"], note=STAFF_NOTE)])
            ids = (published.id, draft.id)
        try:
            apply_role_grants(engine, Base.metadata, public_role=public, backoffice_role=backoffice)
            yield Directory(engine, public, *ids)
        finally:
            drop_roles(engine, public, backoffice)


@pytest.fixture(scope="module")
def public_url(directory: Directory) -> str:
    return role_url(directory.engine, directory.public)


@pytest.fixture
def public_client(
    directory: Directory, public_url: str, settings: Settings
) -> Iterator[FlaskClient]:
    app = create_public_app(replace(settings, database_url=public_url))
    app.config["TESTING"] = True
    yield app.test_client()
    get_engine(app).dispose()


def test_the_public_role_sees_no_draft_service_or_its_rows(directory: Directory) -> None:
    with acting_as(directory.engine, directory.public) as connection:
        ids = set(connection.scalars(text("SELECT id FROM service")))
        organizations = set(connection.scalars(text("SELECT id FROM organization")))
        numbers = set(connection.scalars(text("SELECT value FROM contact_channel")))

    assert directory.published in ids and directory.draft not in ids
    assert "org-draft" not in organizations and organizations
    assert "0120-999-999" not in numbers and numbers


def test_the_public_role_reads_no_staff_note(directory: Directory) -> None:
    with acting_as(directory.engine, directory.public) as connection:
        notes = set(connection.scalars(text("SELECT check_note FROM service")))
        checkers = set(connection.scalars(text("SELECT verified_by FROM service")))
        synonym_notes = set(connection.scalars(text("SELECT note FROM search_synonym")))

    assert notes == {""} and checkers == {""} and synonym_notes == {""}


def test_the_public_role_reads_our_topics_only(directory: Directory) -> None:
    with acting_as(directory.engine, directory.public) as connection:
        taxonomies = set(connection.scalars(text("SELECT taxonomy FROM taxonomy_term")))

    assert taxonomies == {"tsunagu-topics"}


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT check_note FROM public.service",
        "SELECT id FROM public.service",
        "SELECT note FROM public.search_synonym",
        "SELECT * FROM public.contact_channel",
        "SELECT * FROM change_record",
        "SELECT * FROM service_other_term",
        "SELECT * FROM public.taxonomy_term",
    ],
)
def test_the_public_role_cannot_read_the_tables_themselves(
    directory: Directory, statement: str
) -> None:
    assert_denied(directory.engine, directory.public, statement)


def test_public_pages_work_as_the_public_role(
    public_client: FlaskClient, directory: Directory
) -> None:
    home = public_client.get("/")
    listing = public_client.get("/directory")
    page = public_client.get(f"/directory/services/{directory.published}")
    search = public_client.get("/directory", query_string={"q": "いのちの電話"})

    assert home.status_code == listing.status_code == page.status_code == 200
    assert search.status_code == 200 and "京都いのちの電話" in search.get_data(as_text=True)
    assert "準備中の窓口" not in listing.get_data(as_text=True)
    assert STAFF_NOTE not in page.get_data(as_text=True)
    assert public_client.get(f"/directory/services/{directory.draft}").status_code == 404


def test_the_hsds_api_works_as_the_public_role(
    public_client: FlaskClient, directory: Directory
) -> None:
    services = public_client.get("/api/hsds/services", query_string={"per_page": 200})
    organizations = public_client.get("/api/hsds/organizations")
    full = public_client.get(f"/api/hsds/services/{directory.published}")

    assert services.status_code == organizations.status_code == full.status_code == 200
    ids = {item["id"] for item in services.get_json()["contents"]}
    assert directory.published in ids and directory.draft not in ids
    assert "org-draft" not in organizations.get_data(as_text=True)
    assert STAFF_NOTE not in full.get_data(as_text=True)
    assert public_client.get(f"/api/hsds/services/{directory.draft}").status_code == 404


def test_a_card_scan_counts_as_the_public_role(
    public_client: FlaskClient, directory: Directory
) -> None:
    with Session(directory.engine) as owner:
        batch = standing_batch(owner)
        assert batch is not None
        code, batch_id = batch.code, batch.id

    response = public_client.get(f"/c/{code}")

    assert response.status_code == 200
    assert public_client.get("/cards").status_code == 200
    with Session(directory.engine) as owner:
        total = owner.scalar(
            select(func.sum(ScanCount.count)).where(ScanCount.batch_id == batch_id)
        )
    assert total == 1
