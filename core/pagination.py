"""One way to page a list: count, clamp the page asked for, read one page in a stable order.

Every back-office list pages with `paginate` (a statement ordered by the caller, a page number
from the address as typed), so page numbers mean the same everywhere: 1 is the first page, a
number past the last page reads the last one, and the page count is at least 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

Item = TypeVar("Item")
# A page number is typed into an address: at most eight digits (an audit trail of five
# billion events), and `paginate` reads no page past the last, so the offset stays in range.
MAX_PAGE = 99_999_999


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: list[Item]
    total: int
    number: int  # 1-based
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number(raw: str | None) -> int | None:
    """A page number typed into an address (1 to MAX_PAGE), or None when it is not one."""
    if raw is None or raw == "":
        return 1
    if raw.isascii() and raw.isdigit() and len(raw) <= 8 and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    return None


def paginate(session: Session, statement: Select[Any], number: int, per_page: int) -> Page[Any]:
    """Page ``number`` of ``statement`` (already ordered); past the last page reads the last.
    Rows of one entity come back as objects, others as rows."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    total = total or 0
    last = max(1, -(-total // per_page))
    number = min(max(number, 1), last, MAX_PAGE)
    result = session.execute(statement.limit(per_page).offset((number - 1) * per_page))
    rows = list(result.scalars()) if len(statement.column_descriptions) == 1 else list(result)
    return Page(rows, total, number, per_page)
