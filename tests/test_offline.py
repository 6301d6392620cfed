"""Help that stays up offline: the service worker's script, the manifest and the offline page
are served with the right headers and no cookie, every page registers the worker from a file,
and none of them enters the page cache."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from functools import wraps

from flask import Flask
from flask.testing import FlaskClient

from core.web import static_url
from public_site.offline import ASSETS, VIEWED_PAGES
from tests.helpers import without_phrase_breaks

WORKER_SETTINGS = re.compile(r"^self\.TSUNAGU_OFFLINE = (\{.*\});\n", re.MULTILINE)


def worker_settings(body: str) -> dict:
    found = WORKER_SETTINGS.match(body)
    assert found is not None
    return json.loads(found.group(1))


def test_worker_is_served_at_the_root_as_javascript_revalidated_each_time(
    client: FlaskClient, demo
) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" in response.headers
    assert response.headers["ETag"]
    assert 'addEventListener("fetch"' in response.get_data(as_text=True)


def test_worker_answers_not_modified_to_the_same_etag(client: FlaskClient, demo) -> None:
    etag = client.get("/sw.js").headers["ETag"]

    again = client.get("/sw.js", headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.get_data() == b""


def test_worker_keeps_both_home_pages_the_offline_pages_and_fingerprinted_assets(
    public_app: Flask, client: FlaskClient, demo
) -> None:
    settings = worker_settings(client.get("/sw.js").get_data(as_text=True))

    assert settings["homes"] == {"ja": "/", "easy": "/easy/", "en": "/en/"}
    assert settings["fallbacks"] == {"ja": "/offline", "easy": "/easy/offline", "en": "/en/offline"}
    assert settings["viewedPages"] == VIEWED_PAGES
    assert settings["notHandled"] == ["/staff", "/go"]
    with public_app.test_request_context("/"):
        assert settings["assets"] == [static_url(name) for name in ASSETS]
    assert all("?v=" in asset for asset in settings["assets"])
    for asset in settings["assets"]:
        assert client.get(asset).status_code == 200


def test_worker_version_follows_the_files_it_keeps(public_app: Flask, client: FlaskClient) -> None:
    before = worker_settings(client.get("/sw.js").get_data(as_text=True))["version"]
    hashes = public_app.extensions["tsunagu.static_hashes"]
    hashes["css/site.css"] = "changed00000"

    after = worker_settings(client.get("/sw.js").get_data(as_text=True))["version"]

    assert after != before


def test_manifest_names_the_city_in_each_language(client: FlaskClient, demo) -> None:
    ja = client.get("/manifest.webmanifest")
    en = client.get("/en/manifest.webmanifest")

    assert ja.mimetype == en.mimetype == "application/manifest+json"
    assert "Set-Cookie" not in ja.headers
    assert ja.headers["Cache-Control"] == "public, max-age=3600"
    ja_data, en_data = ja.get_json(force=True), en.get_json(force=True)
    assert ja_data["name"] == "つなぐ 京丹後市"
    assert ja_data["lang"] == "ja" and ja_data["start_url"] == "/"
    assert en_data["lang"] == "en" and en_data["start_url"] == "/en/"
    assert en_data["name"] == "Tsunagu Kyotango City"
    assert ja_data["scope"] == en_data["scope"] == "/"
    assert ja_data["display"] == "browser"
    assert ja_data["icons"][0]["src"].startswith("/static/img/favicon.svg?v=")


def test_every_page_links_the_manifest_and_registers_the_worker_from_a_file(
    client: FlaskClient, demo
) -> None:
    for path, manifest in (("/", "/manifest.webmanifest"), ("/en/", "/en/manifest.webmanifest")):
        html = client.get(path).get_data(as_text=True)
        assert f'<link rel="manifest" href="{manifest}">' in html
        assert re.search(r'<script src="/static/js/offline\.js\?v=\w+" data-worker="/sw\.js"', html)
        assert "<script>" not in html


def test_every_page_holds_the_offline_note_hidden(client: FlaskClient, demo) -> None:
    ja = client.get("/directory").get_data(as_text=True)
    en = client.get("/en/no-such-page").get_data(as_text=True)

    assert 'data-offline-note="オフラインです。電話番号は{date}時点のものです。" hidden' in ja
    assert 'data-offline-note="Offline. The phone numbers are as of {date}." hidden' in en


def test_offline_page_lists_emergency_numbers_and_crisis_lines_with_the_date(
    client: FlaskClient, demo
) -> None:
    response = client.get("/offline")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert 'href="tel:119"' in html and 'href="tel:110"' in html
    assert "よりそいホットライン" in without_phrase_breaks(html)
    assert re.search(r"電話番号は\d{4}年\d{1,2}月\d{1,2}日時点のものです", html)
    assert "now-block" not in html  # nothing that is true only when it was kept
    en = client.get("/en/offline").get_data(as_text=True)
    assert 'href="tel:119"' in en and "The phone numbers are as of" in en


def test_none_of_them_enters_the_page_cache(site: Flask, demo) -> None:
    """Each is answered by its view every time, where a page is rendered once a minute."""
    calls: Counter[str] = Counter()
    for endpoint in ("offline.worker", "offline.manifest", "offline.page", "public.privacy"):
        view = site.view_functions[endpoint]
        site.view_functions[endpoint] = counting(calls, endpoint, view)
    client = site.test_client()

    for path in ("/sw.js", "/manifest.webmanifest", "/offline", "/privacy"):
        assert client.get(path).status_code == client.get(path).status_code == 200

    assert calls == {
        "offline.worker": 2,
        "offline.manifest": 2,
        "offline.page": 2,
        "public.privacy": 1,
    }


def counting(calls: Counter[str], endpoint: str, view: Callable) -> Callable:
    @wraps(view)  # keeps what the view is marked with (localized: its links keep the language)
    def counted(**values: object) -> object:
        calls[endpoint] += 1
        return view(**values)

    return counted
