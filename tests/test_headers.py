"""Security headers on every route of both apps, and no cookie from the public site."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backoffice import create_app as create_backoffice_app
from core.config import Settings
from public_site import create_app as create_public_app
from tests.helpers import get_urls
from tests.staff import make_staff

REQUIRED_CSP = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


def assert_strict_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert {part.strip() for part in csp.split(";")} >= REQUIRED_CSP
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_every_public_route_sends_strict_headers_and_no_cookie(
    public_app: Flask, client: FlaskClient, demo
) -> None:
    urls = [*get_urls(public_app), "/no-such-page", "/en/no-such-page"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict_headers(response)
        assert "Set-Cookie" not in response.headers, url


def test_public_site_sends_no_cookie_even_on_errors(public_app: Flask, client: FlaskClient) -> None:
    @public_app.route("/explode")
    def explode() -> str:
        raise RuntimeError("boom")

    for response in (client.get("/explode"), client.post("/"), client.get("/%ff")):
        assert "Set-Cookie" not in response.headers


def test_public_site_accepts_no_posts(client: FlaskClient) -> None:
    assert client.post("/").status_code == 405


def test_every_back_office_route_is_no_store_with_strict_headers(
    backoffice_app: Flask, staff_client: FlaskClient
) -> None:
    for url in [*get_urls(backoffice_app), "/no-such-page"]:
        response = staff_client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert_strict_headers(response)


def test_cookie_names_differ_between_the_apps(public_app: Flask, backoffice_app: Flask) -> None:
    assert public_app.config["SESSION_COOKIE_NAME"] != backoffice_app.config["SESSION_COOKIE_NAME"]
    assert public_app.secret_key != backoffice_app.secret_key


@pytest.fixture
def production(settings: Settings) -> Settings:
    return replace(settings, env="production", public_base_url="https://tsunagu.example.jp")


def test_production_sends_hsts_over_https_and_redirects_plain_http(production) -> None:
    app = create_public_app(production)
    client = app.test_client()

    secure = client.get("/privacy", base_url="https://tsunagu.test")
    plain = client.get("/privacy", base_url="http://tsunagu.test")

    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "upgrade-insecure-requests" in secure.headers["Content-Security-Policy"]
    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("https://")


def test_production_back_office_cookies_are_host_only_secure_strict(
    production: Settings, clean_db: object
) -> None:
    app = create_backoffice_app(production)
    staff = make_staff(app, "coordinator")
    client = app.test_client()
    https = "https://staff.tsunagu.test"

    visit = client.get("/login", base_url=https)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', visit.text)
    assert token is not None
    signed = client.post(
        "/login",
        data={"login": staff.login, "password": staff.password, "csrf_token": token.group(1)},
        base_url=https,
        headers={"Referer": f"{https}/login"},  # CSRF checks the referrer over HTTPS
    )

    # A visitor's cookie holds only the form's CSRF secret; the session's comes with sign-in.
    [anonymous] = visit.headers.getlist("Set-Cookie")
    assert anonymous.startswith("__Host-tsunagu_staff_anon=")
    assert signed.status_code == 302
    [session_cookie] = [
        cookie
        for cookie in signed.headers.getlist("Set-Cookie")
        if cookie.startswith("__Host-tsunagu_staff=")
    ]
    for cookie in (anonymous, session_cookie):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Path=/" in cookie and "Domain" not in cookie
