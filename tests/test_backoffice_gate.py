"""The back office is locked: default deny, every endpoint declares a permission."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.service_lists.models import ServiceList, ServiceListItem
from backoffice.staff.permissions import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    ROLES,
    permissions_for,
    required_permission,
    requires,
)
from backoffice.web.gate import OPEN_ENDPOINTS
from cards.batches import standing_batch
from directory.models import Service
from tests.helpers import build_url, get_urls
from tests.outreach import make_subject
from tests.referrals import make_casework
from tests.staff import csrf_token, make_staff, sign_in, signed_in_client
from tests.training import make_training_with_material


def test_every_address_redirects_to_sign_in_when_signed_out(
    backoffice_app: Flask, staff_client: FlaskClient
) -> None:
    urls = [u for u in get_urls(backoffice_app) if not u.startswith(("/static", "/login"))]
    for url in [*urls, "/no-such-page", "/referrals/1"]:
        response = staff_client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/login")


def test_sign_in_page_is_open_and_has_a_csrf_token(staff_client: FlaskClient) -> None:
    response = staff_client.get("/login")

    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)


def test_sign_in_without_csrf_token_is_refused(staff_client: FlaskClient) -> None:
    response = staff_client.post("/login", data={"login": "a", "password": "b"})

    assert response.status_code == 400
    assert 'href="tel:119"' in response.get_data(as_text=True)


def test_every_endpoint_is_open_or_declares_a_known_permission(backoffice_app: Flask) -> None:
    for endpoint, view in backoffice_app.view_functions.items():
        if endpoint in OPEN_ENDPOINTS:
            continue
        assert required_permission(view) in PERMISSIONS, endpoint


def test_endpoint_declaring_nothing_is_denied_even_when_signed_in(backoffice_app: Flask) -> None:
    @backoffice_app.route("/forgotten")
    def forgotten() -> str:
        return "should never be served"

    client = signed_in_client(backoffice_app, *ROLES)

    assert client.get("/forgotten").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_on_every_endpoint(backoffice_app: Flask, demo: Session, role: str) -> None:
    """Every GET endpoint, with real records behind its arguments, for every role."""
    service = demo.scalar(select(Service).order_by(Service.id))
    assert service is not None
    staff = make_staff(backoffice_app, role)
    batch = standing_batch(demo)
    assert batch is not None
    case, meeting, link = make_casework(backoffice_app, demo, staff.id)
    training, material = make_training_with_material(backoffice_app, staff.id)
    service_list = ServiceList(
        name="窓口用", items=[ServiceListItem(service_id=service.id, position=1)]
    )
    demo.add(service_list)
    demo.commit()
    known = {
        "training_id": training,
        "material_id": material,
        "staff_id": staff.id,
        "referral_id": case,
        "subject_id": make_subject(backoffice_app, staff.id),
        "meeting_id": meeting,
        "link_id": link,
        "service_id": service.id,
        "organization_id": service.organization_id,
        "user_id": staff.id,
        "batch_id": batch.id,
        "name": "standard",  # the card design
        "side": "front",
        "kind": "card.pdf",
        "list_id": service_list.id,
    }
    client = backoffice_app.test_client()
    sign_in(client, staff)
    granted = permissions_for({role})
    for rule in backoffice_app.url_map.iter_rules():
        if rule.endpoint in OPEN_ENDPOINTS or "GET" not in (rule.methods or set()):
            continue
        permission = required_permission(backoffice_app.view_functions[rule.endpoint])
        response = client.get(build_url(rule, known))
        expected = (200, 302) if permission in granted else (403,)
        assert response.status_code in expected, (role, rule.rule)


def test_roles_grant_only_declared_permissions() -> None:
    for role, granted in ROLE_PERMISSIONS.items():
        assert granted <= PERMISSIONS, role
    assert "referral.read" not in ROLE_PERMISSIONS["admin"]
    assert ROLE_PERMISSIONS["analyst"] & {"referral.read", "outreach.read"} == set()


def test_unknown_permission_fails_at_declaration() -> None:
    with pytest.raises(ValueError, match="unknown permission"):
        requires("referral.read_everything")


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_on_every_form_post(backoffice_app: Flask, role: str) -> None:
    client = signed_in_client(backoffice_app, role)
    token = csrf_token(client, "/account/")
    granted = permissions_for({role})
    for rule in backoffice_app.url_map.iter_rules():
        if rule.endpoint in OPEN_ENDPOINTS or "POST" not in (rule.methods or set()):
            continue
        permission = required_permission(backoffice_app.view_functions[rule.endpoint])
        response = client.post(build_url(rule, number=10**6), data={"csrf_token": token})
        if permission in granted:
            assert response.status_code in (200, 302, 400, 404), (role, rule.rule)
        else:
            assert response.status_code == 403, (role, rule.rule)
