"""What shape an HSDS file has, and the one dataset every shape becomes.

Other HSDS 3.0 publishers hand out more than our export's dataset: a single service or
organisation as the API's ``/services/{id}`` shows it (``service_full.json``), a page of an API
listing (``{"contents": [...], "total_pages": ...}``), a service at a location with its service
and location inside. Each becomes a dataset of top-level lists, nested records taking their
parent's id where they leave it out (a service inside an organisation gets its
``organization_id``), so the checks and the store see one shape only.

A file of no known shape, or with no record in it, raises ``ShapeError``: importing it must not
look like a success that imported nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory.hsds.vocabulary import LISTS, Json

PAGE_KEYS = ("contents", "total_items", "total_pages", "page_number")
# The lists Tsunagu stores records from; taxonomies alone describe nothing to list.
RECORD_LISTS = ("organizations", "services", "locations", "service_at_locations")


class ShapeError(Exception):
    """A file that is no HSDS shape we read, or holds nothing: Japanese first, then English."""

    def __init__(self, japanese: str, english: str) -> None:
        super().__init__(f"{japanese} ({english})")
        self.japanese, self.english = japanese, english


@dataclass
class Shaped:
    data: Json
    kind: str  # dataset, service, organization, service_at_location, or "page of services"...
    page: tuple[int, int] | None = None  # (page number, pages) of an API listing
    notes: list[str] = field(default_factory=list)


def shape(data: Any) -> Shaped:
    """The dataset in ``data``, whatever HSDS shape it came in."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise ShapeError(
            "HSDS のデータとして読めない形です（JSON のオブジェクトではありません）",
            f"not an HSDS file: the top level is {kind}, not an object",
        )
    if "contents" in data:
        return _page(data)
    # A record has an id; a dataset has none, only lists (an organisation lists its services).
    kind = record_kind(data) if "id" in data else None
    if kind is not None:
        shaped = Shaped(nest_ids(_as_dataset([data], kind)), kind)
    elif "id" not in data and any(isinstance(data.get(key), list) for key in LISTS):
        shaped = Shaped(nest_ids(data), "dataset")
    else:
        raise ShapeError(
            "HSDS のどの形にも当てはまりません（サービス・団体・一覧のいずれでもありません）",
            "unknown shape: not a dataset, a service, an organization, a service at a"
            f" location or a page of an API listing (keys: {_keys(data)})",
        )
    _require_records(shaped)
    return shaped


def record_kind(item: Json) -> str | None:
    """Which HSDS object one record is, by the fields its schema requires."""
    if not isinstance(item.get("id"), str):
        return None
    if isinstance(item.get("service"), dict) or isinstance(item.get("location"), dict):
        return "service_at_location"
    if "status" in item and "name" in item:
        return "service"
    if "location_type" in item or "taxonomy" in item or "code" in item:
        return None  # a location or a taxonomy term alone: nothing we list
    if "name" in item and ("description" in item or "services" in item):
        return "organization"
    return None


def nest_ids(data: Json) -> Json:
    """Records nested in a parent take its id where they leave it out; the lists get them."""
    data = dict(data)
    for key in LISTS:
        if key in data and isinstance(data[key], list):
            data[key] = list(data[key])
    for org in _dicts(data.get("organizations")):
        _adopt(data, org, "services", "services", "organization_id")
        _adopt(data, org, "locations", "locations", "organization_id")
    for sal in _dicts(data.get("service_at_locations")):
        _unnest(data, sal, "service", "services", "service_id")
        _unnest(data, sal, "location", "locations", "location_id")
    for service in _dicts(data.get("services")):
        organization = service.get("organization")
        nested_id = organization.get("id") if isinstance(organization, dict) else None
        if isinstance(nested_id, str) and "organization_id" not in service:
            service["organization_id"] = nested_id
        for sal in _dicts(service.get("service_at_locations")):
            sal.setdefault("service_id", service.get("id"))
            location = sal.get("location")
            if isinstance(location, dict) and isinstance(location.get("id"), str):
                sal.setdefault("location_id", location["id"])
    return data


def _page(data: Json) -> Shaped:
    contents = data.get("contents")
    number, pages = data.get("page_number"), data.get("total_pages")
    page = (number, pages) if isinstance(number, int) and isinstance(pages, int) else None
    if not isinstance(contents, list):
        raise ShapeError(
            "API の一覧の形ですが、contents がリストではありません",
            "a page of an API listing whose contents is not a list",
        )
    if not contents:
        raise ShapeError(
            "API の一覧のページですが、記録が一件もありません",
            f"nothing to import: a page of an API listing with no records ({_page_text(page)})",
        )
    kinds = {record_kind(item) if isinstance(item, dict) else None for item in contents}
    if len(kinds) != 1 or None in kinds:
        raise ShapeError(
            "API の一覧のページですが、中身がサービス・団体・サービスの場所のいずれでもありません",
            "a page of an API listing whose contents are not all services, organizations or"
            " services at locations",
        )
    kind = kinds.pop() or ""
    shaped = Shaped(nest_ids(_as_dataset(contents, kind)), f"page of {LIST_OF[kind]}", page)
    _require_records(shaped)
    return shaped


LIST_OF = {
    "service": "services",
    "organization": "organizations",
    "service_at_location": "service_at_locations",
}


def _as_dataset(items: list[Json], kind: str) -> Json:
    return {LIST_OF[kind]: list(items)}


def _adopt(data: Json, parent: Json, key: str, target: str, link: str) -> None:
    """Children listed inside ``parent`` join the top-level list, linked to it."""
    for child in _dicts(parent.get(key)):
        if not isinstance(child.get("id"), str):
            continue
        child.setdefault(link, parent.get("id"))
        known = {item.get("id") for item in _dicts(data.get(target))}
        if child["id"] not in known:
            data.setdefault(target, []).append(child)


def _unnest(data: Json, sal: Json, key: str, target: str, link: str) -> None:
    child = sal.get(key)
    if not isinstance(child, dict) or not isinstance(child.get("id"), str):
        return
    sal.setdefault(link, child["id"])
    known = {item.get("id") for item in _dicts(data.get(target))}
    if child["id"] not in known:
        data.setdefault(target, []).append(child)


def _require_records(shaped: Shaped) -> None:
    if any(_dicts(shaped.data.get(key)) for key in RECORD_LISTS):
        return
    raise ShapeError(
        "読み込む記録がありません（サービス・団体・場所が一件もありません）",
        "nothing to import: the file holds no services, organizations or locations",
    )


def partial_page(shaped: Shaped) -> ShapeError | None:
    """One page of a listing of several: what strict mode says instead of importing part."""
    if shaped.page is None or shaped.page[1] <= 1:
        return None
    number, pages = shaped.page
    return ShapeError(
        f"API の一覧の {number} ページ目（全 {pages} ページ）で、記録の一部しかありません。"
        "全ページを一つのファイルにまとめるか、--lenient でこのページだけを読み込んでください",
        f"one page ({number} of {pages}) of an API listing holds only part of the records:"
        " put every page in one file, or import this page alone with --lenient",
    )


def _page_text(page: tuple[int, int] | None) -> str:
    return f"page {page[0]} of {page[1]}" if page else "page number not given"


def _dicts(items: Any) -> list[Json]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _keys(data: Json) -> str:
    names = sorted(str(key) for key in data)[:8]
    return ", ".join(names) + (", …" if len(data) > 8 else "") if names else "none"
