"""The directory as open data: a read-only Open Referral HSDS 3.0 API under ``/api/hsds``.

Only published services, and the organizations and locations they use, are ever shown; staff
notes and the change history never are. Lists use the HSDS page wrapper (``page`` from 1,
``per_page`` up to 200), or with ``format=ndjson`` every result, one object per line.

Any site may read it from a browser (``Access-Control-Allow-Origin: *``): the data is public,
and the API sets no cookie and reads none, so there is nothing a cross-site request could abuse.
Answers may be cached for five minutes. Errors are JSON, never the HTML error page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.exceptions import HTTPException

from core.db import get_session
from directory.hsds import paging, serialize
from directory.hsds.paging import ListQuery, Page, QueryError
from directory.hsds.vocabulary import HSDS_VERSION, OPENAPI_URI, PROFILE_URI

bp = Blueprint("api", __name__, url_prefix="/api/hsds")
DESCRIPTION = (
    "Tsunagu support-service directory: published services, their organizations, locations and"
    " taxonomies, in Open Referral HSDS 3.0. Our own fields are attributes of the"
    " tsunagu-fields taxonomy; contact channels other than phones use tsunagu-contact-channel."
)


@bp.after_request
def _open_data_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.errorhandler(HTTPException)
def _json_error(error: HTTPException) -> Response:
    response = _json({"status": error.code, "message": error.description or error.name})
    response.status_code = error.code or 500
    return response


@bp.get("/")
def root() -> Response:
    return _json({"version": HSDS_VERSION, "profile": PROFILE_URI,
                  "openapi_url": OPENAPI_URI, "description": DESCRIPTION})  # fmt: skip


@bp.get("/services")
def services() -> Response:
    page = paging.service_page(get_session(), _query(), every=_ndjson())
    if request.args.get("full", "").lower() == "true":  # HSDS `full`: fully nested services
        return _listing(page, lambda found: serialize.service_to_hsds(found, nested=True))
    return _listing(page, serialize.service_summary)


@bp.get("/services/<service_id>")
def service(service_id: str) -> Response:
    found = paging.published_service(get_session(), service_id)
    if found is None:
        abort(404, description="no published service with this id")
    return _json(serialize.service_to_hsds(found, nested=True))


@bp.get("/organizations")
def organizations() -> Response:
    page = paging.organization_page(get_session(), _query(), every=_ndjson())
    return _listing(page, serialize.organization_summary)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str) -> Response:
    found = paging.published_organization(get_session(), organization_id)
    if found is None:
        abort(404, description="no organization with a published service has this id")
    return _json(serialize.organization_to_hsds(found[0], services=found[1]))


@bp.get("/service_at_locations")
def service_at_locations() -> Response:
    page = paging.service_at_location_page(get_session(), _query(), every=_ndjson())
    return _listing(page, serialize.service_at_location_to_hsds)


@bp.get("/taxonomies")
def taxonomies() -> Response:
    return _listing(paging.taxonomy_page(_query(), every=_ndjson()), dict)


@bp.get("/taxonomy_terms")
def taxonomy_terms() -> Response:
    page = paging.taxonomy_term_page(get_session(), _query(), every=_ndjson())
    return _listing(page, dict)


@bp.get("/<path:unknown>")
def not_found(unknown: str) -> Response:
    abort(404, description="no such endpoint in this API")


def _query() -> ListQuery:
    try:
        return ListQuery.from_args(request.args)
    except QueryError as error:
        abort(400, description=str(error))


def _ndjson() -> bool:
    return request.args.get("format", "json") == "ndjson"


def _listing(page: Page, to_hsds: Callable[[Any], dict]) -> Response:
    contents = [to_hsds(item) for item in page.items]
    if _ndjson():
        return _ndjson_response(contents)
    return _json(page.to_hsds(contents))


def _json(data: Any) -> Response:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return current_app.response_class(text, mimetype="application/json")


def _ndjson_response(items: Iterable[Any]) -> Response:
    lines = "".join(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n" for item in items)
    return current_app.response_class(lines, mimetype="application/x-ndjson")
