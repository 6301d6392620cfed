"""Other systems' taxonomies in a lenient import: each term kept under its own taxonomy.

Another publisher files its services under its own taxonomy (AIRS/211, Open Eligibility, a
taxonomy of its own), as ``attributes`` pointing at ``taxonomy_terms``. Tsunagu lists services
under its own topics, which staff choose, translate and read aloud; another taxonomy's terms
would be none of that on a public page. So a lenient import keeps each term a service was filed
under as a term of its own taxonomy (named as the file names it), links it to the service
(`Service.other_terms`), and staff see it beside our topics when they choose them. Public pages,
the search and our own export never show such terms: the public role cannot even read them
(`directory.models.TaxonomyTerm`).
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from directory.hsds.lenient_values import Notes
from directory.hsds.vocabulary import TAXONOMIES, Json, objects
from directory.models import TOPIC_TAXONOMY, Service, TaxonomyTerm, service_other_term
from directory.taxonomy import TERM_NAMESPACE

# The columns' sizes (`TaxonomyTerm`): longer values are shortened, noted.
SIZES = {"taxonomy": 64, "code": 64, "name": 200, "description": 2000}


def _folded(name: str) -> str:
    """A taxonomy name as compared with ours: width, case and spaces do not tell them apart."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


OURS = frozenset(map(_folded, TAXONOMIES))


@dataclass(frozen=True)
class OtherTerm:
    """A term of another taxonomy, as it will be stored."""

    taxonomy: str
    code: str
    name: str
    description: str = ""

    @property
    def id(self) -> str:
        """The same id for the same taxonomy and code, whichever file brings them; never one
        of ours (those are made from "taxonomy/code"), nor the same for a/b + c and a + b/c."""
        pair = json.dumps(["other", self.taxonomy, self.code], ensure_ascii=False)
        return str(uuid.uuid5(TERM_NAMESPACE, pair))

    def __str__(self) -> str:
        named = f" ({self.name})" if self.name != self.code else ""
        return f"{self.taxonomy} / {self.code}{named}"


class OtherTaxonomies:
    """The other taxonomies' terms of one file, and the services filed under them."""

    def __init__(self, data: Json, notes: Notes) -> None:
        self.notes = notes
        self.taxonomies = {
            t["id"]: t.get("name") for t in objects(data, "taxonomies") if _text(t.get("id"))
        }
        self.file_terms = {
            t["id"]: t for t in objects(data, "taxonomy_terms") if _text(t.get("id"))
        }
        # Service id -> its terms by id, for every service of the file: one without any is
        # filed under none (a re-import takes back what an earlier file said).
        self.links: dict[str, dict[str, OtherTerm]] = {
            s["id"]: {} for s in objects(data, "services") if _text(s.get("id"))
        }
        self.used: set[str] = set()  # the ids of the file's terms a service was filed under
        self.named: set[str] = set()  # the taxonomies of the terms kept

    def keep(self, record: str, path: str, service_id: str, attribute: Json) -> bool:
        """Whether a service's attribute names a term of another taxonomy, now kept for it."""
        nested = attribute.get("taxonomy_term")
        term = nested if isinstance(nested, dict) else None
        linked = attribute.get("taxonomy_term_id")
        term = term or (self.file_terms.get(linked) if _text(linked) else None)
        other = self._term(record, path, term) if term else None
        if other is None or not _text(service_id):
            return False
        if _text(term.get("id")):
            self.used.add(term["id"])
        self.named.add(other.taxonomy)
        terms = self.links.setdefault(service_id, {})
        if other.id in terms:
            self.notes.add(record, path, f"the same term again: {other}")
            return True
        terms[other.id] = other
        self.notes.add(record, path, f"kept under its own taxonomy: {other}")
        if attribute.get("value") not in (None, ""):
            self.notes.left_out(record, f"{path}.value", attribute["value"], "a term is kept")
        return True

    def taxonomy_named(self, taxonomy: Json) -> bool:
        """Whether a taxonomy record of the file names the taxonomy of a kept term."""
        return taxonomy.get("name") in self.named

    def _term(self, record: str, path: str, term: Json) -> OtherTerm | None:
        detail = term.get("taxonomy_detail")
        taxonomy = (
            (detail.get("name") if isinstance(detail, dict) else None)
            or self.taxonomies.get(term.get("taxonomy_id"))
            or term.get("taxonomy")
        )
        code = term.get("code") or term.get("name") or term.get("id")
        if not _text(taxonomy) or _folded(taxonomy) in OURS:
            return None  # no taxonomy named, or one of ours with a code we do not know
        if not _text(code):
            return None
        values = {
            "taxonomy": taxonomy.strip(),
            "code": code.strip(),
            "name": term.get("name") if isinstance(term.get("name"), str) else code,
            "description": term.get("description") or "",
        }
        for key, limit in SIZES.items():
            value = values[key] if isinstance(values[key], str) else ""
            if len(value) > limit:
                self.notes.add(record, f"{path}.{key}", f"shortened to {limit} characters")
                value = value[: limit - 1] + "…"
            values[key] = value
        return OtherTerm(**values)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def store_other_terms(session: Session, links: Mapping[str, Iterable[OtherTerm]]) -> int:
    """File each service under the terms given, in place of the ones it had (none: none); the
    terms are created or updated, and terms that no longer file any service go. Returns how
    many distinct terms the services are filed under."""
    terms: dict[str, TaxonomyTerm] = {}
    for service_id, found in links.items():
        service = session.get(Service, service_id)
        if service is None:
            continue
        chosen = []
        for other in found:
            term = terms.get(other.id) or session.get(TaxonomyTerm, other.id)
            if term is None:
                term = TaxonomyTerm(
                    id=other.id, taxonomy=other.taxonomy, code=other.code, sort_order=0
                )
                session.add(term)
            if term.taxonomy == TOPIC_TAXONOMY:  # never: ids of ours are made another way
                raise ValueError(f"term {other.id} is one of our topics")
            term.name, term.description = other.name, other.description
            terms[other.id] = term
            chosen.append(term)
        service.other_terms = chosen
    session.flush()
    filing = select(service_other_term.c.term_id)
    session.execute(
        delete(TaxonomyTerm).where(
            TaxonomyTerm.taxonomy.not_in(TAXONOMIES), TaxonomyTerm.id.not_in(filing)
        )
    )
    return len(terms)
