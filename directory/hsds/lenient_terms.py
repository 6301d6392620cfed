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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from directory.hsds.lenient_values import Notes
from directory.hsds.vocabulary import TAXONOMIES, Json, objects, term_id
from directory.models import Service, TaxonomyTerm

# The columns' sizes (`TaxonomyTerm`): longer values are shortened, noted.
SIZES = {"taxonomy": 64, "code": 64, "name": 200, "description": 2000}


@dataclass(frozen=True)
class OtherTerm:
    """A term of another taxonomy, as it will be stored."""

    taxonomy: str
    code: str
    name: str
    description: str = ""

    @property
    def id(self) -> str:
        """The same id for the same taxonomy and code, whichever file brings them."""
        return term_id(self.taxonomy, self.code)

    def __str__(self) -> str:
        named = f" ({self.name})" if self.name != self.code else ""
        return f"{self.taxonomy} / {self.code}{named}"


class OtherTaxonomies:
    """The other taxonomies' terms of one file, and the services filed under them."""

    def __init__(self, data: Json, notes: Notes) -> None:
        self.notes = notes
        self.taxonomies = {t.get("id"): t.get("name") for t in objects(data, "taxonomies")}
        self.file_terms = {t.get("id"): t for t in objects(data, "taxonomy_terms")}
        self.links: dict[str, list[OtherTerm]] = defaultdict(list)  # service id -> terms
        self.used: set[Any] = set()  # the ids of the file's terms a service was filed under

    def keep(self, record: str, path: str, service_id: str, attribute: Json) -> bool:
        """Whether a service's attribute names a term of another taxonomy, now kept for it."""
        nested = attribute.get("taxonomy_term")
        term = nested if isinstance(nested, dict) else None
        term = term or self.file_terms.get(attribute.get("taxonomy_term_id"))
        other = self._term(record, path, term) if term else None
        if other is None:
            return False
        self.used.add(term.get("id"))
        if other not in self.links[service_id]:
            self.links[service_id].append(other)
        self.notes.add(record, path, f"kept under its own taxonomy: {other}")
        if attribute.get("value") not in (None, ""):
            self.notes.left_out(record, f"{path}.value", attribute["value"], "a term is kept")
        return True

    def taxonomy_named(self, taxonomy: Json) -> bool:
        """Whether a taxonomy record of the file names the taxonomy of a kept term."""
        name = taxonomy.get("name")
        return any(term.taxonomy == name for terms in self.links.values() for term in terms)

    def _term(self, record: str, path: str, term: Json) -> OtherTerm | None:
        detail = term.get("taxonomy_detail")
        taxonomy = (
            (detail.get("name") if isinstance(detail, dict) else None)
            or self.taxonomies.get(term.get("taxonomy_id"))
            or term.get("taxonomy")
        )
        code = term.get("code") or term.get("name") or term.get("id")
        if not isinstance(taxonomy, str) or not taxonomy.strip() or taxonomy in TAXONOMIES:
            return None  # no taxonomy named, or one of ours with a code we do not know
        if not isinstance(code, str) or not code.strip():
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


def store_other_terms(session: Session, links: Mapping[str, Sequence[OtherTerm]]) -> int:
    """File the services under the terms given, in place of the ones they had; the terms are
    created or updated. Returns how many distinct terms there were."""
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
            term.name, term.description = other.name, other.description
            terms[other.id] = term
            chosen.append(term)
        service.other_terms = chosen
    session.flush()
    return len(terms)
