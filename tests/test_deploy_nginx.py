"""The shipped nginx configuration, for real: Debian's nginx (installed when missing and root,
with its brotli module) on loopback ports with a certificate made here, in front of gunicorn
serving both apps in production mode with the shipped gunicorn configurations, on a temporary
SQLite database (tests/nginx_stack.py, shared with `make lighthouse`).

`make deploy-test` runs only this and tests/test_deploy.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.web import STATIC_FOLDER
from tests.nginx_stack import (
    ALLOWED,
    OTHER,
    PUBLIC,
    STAFF,
    Stack,
    StackError,
    check_configuration,
    free_port,
    nginx_binary,
    nginx_configuration,
    running_stack,
)

pytestmark = pytest.mark.deploy


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        with running_stack(tmp_path_factory.mktemp("deploy")) as running:
            yield running
    except StackError as error:
        pytest.fail(str(error))


def test_the_public_site_answers_over_https_with_the_app_s_headers(stack: Stack) -> None:
    status, headers, body = stack.curl(f"https://{PUBLIC}:PORT/")

    assert status == 200, body
    assert "いますぐ" in body.decode()
    assert headers["strict-transport-security"].startswith("max-age=31556926")  # a year
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert len(headers["x-request-id"]) == 32
    assert "set-cookie" not in headers
    assert headers["server"] == "nginx"  # no version (server_tokens off)


def test_plain_http_is_sent_to_https(stack: Stack) -> None:
    status, headers, _ = stack.curl(f"http://{PUBLIC}:PORT/directory?q=x")

    assert status == 301 and headers["location"] == f"https://{PUBLIC}/directory?q=x"


def test_an_unknown_name_gets_no_answer(stack: Stack) -> None:
    assert stack.curl("http://other.test:PORT/")[1] == {"curl": 52}  # empty reply
    assert stack.curl("https://other.test:PORT/", "-k")[1] == {"curl": 35}  # handshake refused


def test_text_is_compressed(stack: Stack) -> None:
    status, headers, _ = stack.curl(f"https://{PUBLIC}:PORT/", "-H", "Accept-Encoding: gzip")

    assert status == 200 and headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]


def test_text_is_compressed_with_brotli_when_the_browser_takes_it(stack: Stack) -> None:
    css = next(STATIC_FOLDER.glob("css/*.css")).relative_to(STATIC_FOLDER)
    both = ("-H", "Accept-Encoding: br, gzip")
    page = stack.curl(f"https://{PUBLIC}:PORT/", *both)
    style = stack.curl(f"https://{PUBLIC}:PORT/static/{css}?v=0123456789ab", *both)
    decoded = stack.curl(f"https://{PUBLIC}:PORT/", "--compressed", *both)

    assert page[0] == style[0] == 200
    assert page[1]["content-encoding"] == style[1]["content-encoding"] == "br"
    assert "Accept-Encoding" in page[1]["vary"] and "Accept-Encoding" in style[1]["vary"]
    assert "いますぐ" in decoded[2].decode() and len(page[2]) < len(decoded[2]) / 3


def test_back_office_pages_are_never_compressed_but_its_static_files_are(stack: Stack) -> None:
    css = next(STATIC_FOLDER.glob("css/*.css")).relative_to(STATIC_FOLDER)
    asked = [("-H", f"Accept-Encoding: {way}") for way in ("br", "gzip", "br, gzip")]
    pages = [stack.curl(f"https://{STAFF}:PORT/login", *ask) for ask in asked]
    style = stack.curl(f"https://{STAFF}:PORT/static/{css}", "-H", "Accept-Encoding: br")

    assert [page[0] for page in pages] == [200, 200, 200]
    assert all("content-encoding" not in page[1] for page in pages)  # BREACH: CSRF tokens
    assert b"csrf_token" in pages[0][2]
    assert style[0] == 200 and style[1]["content-encoding"] == "br"


def test_the_kit_starts_on_an_nginx_without_the_brotli_module(tmp_path: Path) -> None:
    nginx = nginx_binary()
    tmp_path.chmod(0o755)
    ports = {name: free_port() for name in ("http", "https", "public", "backoffice")}
    main = nginx_configuration(tmp_path, ports, brotli=False)

    check_configuration(nginx, tmp_path, main)  # raises StackError with nginx's complaint
    assert "load_module" not in main.read_text()
    assert "tsunagu-brotli.con[f];" in (tmp_path / "tsunagu.conf").read_text()
    assert not list((tmp_path / "snippets").iterdir())


def test_fingerprinted_static_files_are_kept_a_year_and_others_an_hour(stack: Stack) -> None:
    css = next(STATIC_FOLDER.glob("css/*.css")).relative_to(STATIC_FOLDER)
    kept = stack.curl(
        f"https://{PUBLIC}:PORT/static/{css}?v=0123456789ab", "-H", "Accept-Encoding: gzip"
    )
    plain = stack.curl(f"https://{PUBLIC}:PORT/static/{css}")

    assert kept[0] == plain[0] == 200
    assert kept[1]["cache-control"] == "public, max-age=31536000, immutable"
    assert kept[1]["content-encoding"] == "gzip"
    assert kept[1]["x-content-type-options"] == "nosniff"
    assert plain[1]["cache-control"] == "public, max-age=3600"


def test_the_back_office_answers_only_on_its_own_name(stack: Stack) -> None:
    status, headers, _ = stack.curl(f"https://{STAFF}:PORT/login")
    on_public_name = stack.curl(f"https://{PUBLIC}:PORT/login")[0]

    assert status == 200 and headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"].startswith("max-age=31556926")
    assert "content-encoding" not in headers  # no compression of pages holding a CSRF token
    assert on_public_name == 404


def test_the_back_office_refuses_other_networks_whatever_they_claim(stack: Stack) -> None:
    claim = ("-H", f"X-Forwarded-For: {ALLOWED}")

    assert stack.curl(f"https://{STAFF}:PORT/login", source=OTHER)[0] == 403
    assert stack.curl(f"https://{STAFF}:PORT/login", *claim, source=OTHER)[0] == 403


def test_request_bodies_are_limited(stack: Stack) -> None:
    public = stack.curl(f"https://{PUBLIC}:PORT/", "--data-binary", "x" * 100_000)
    staff = stack.curl(f"https://{STAFF}:PORT/login", "-H", "Expect:",
                       "--data-binary", "@" + str(big_file(stack)))  # fmt: skip

    assert public[0] == 413 and staff[0] == 413


def big_file(stack: Stack) -> Path:
    path = stack.cert.parent / "five-megabytes"
    path.write_bytes(b"x" * 5 * 1024 * 1024)
    return path


def test_metrics_are_on_the_back_office_s_name_only_and_sum_the_workers(stack: Stack) -> None:
    for _ in range(6):
        stack.curl(f"https://{PUBLIC}:PORT/")

    hidden = stack.curl(f"https://{PUBLIC}:PORT/metrics")
    refused = stack.curl(f"https://{STAFF}:PORT/metrics/public", source=OTHER)
    status, _, body = stack.curl(f"https://{STAFF}:PORT/metrics/public")
    backoffice = stack.curl(f"https://{STAFF}:PORT/metrics")

    assert hidden[0] == 404 and refused[0] == 403
    assert status == 200 and backoffice[0] == 200
    text = body.decode()
    home = [
        line for line in text.splitlines()
        if line.startswith('tsunagu_requests_total{app="public",endpoint="public.home"')
    ]  # fmt: skip
    assert home and sum(float(line.rsplit(" ", 1)[1]) for line in home) >= 6
    assert 'tsunagu_page_cache_lookups_total{app="public",result="front"}' in text
    assert 'app="backoffice"' in backoffice[2].decode()
    assert ALLOWED not in text


def test_health_and_readiness_through_nginx(stack: Stack) -> None:
    health = stack.curl(f"https://{PUBLIC}:PORT/healthz")
    ready = stack.curl(f"https://{PUBLIC}:PORT/readyz")

    assert health[0] == 200 and ready[0] == 200 and ready[2] == b"ready\n"
    assert ready[1]["cache-control"] == "no-store" and "set-cookie" not in ready[1]
