"""Every figure the programme keeps, for one period, as `tables.Table`s.

`all_tables` is the one entry: the pages, the exports and the annual report read it. The keys
say the area ("referrals.", "outreach.", "cards.", "training."); `AREAS` names them in order.
Each figure is computed in SQL (`figures_sql`), by the area's module.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.statistics import (
    figures_outreach,
    figures_referrals,
    figures_taps,
    figures_training,
)
from backoffice.statistics.periods import Period
from backoffice.statistics.tables import Table

AREAS = {
    "referrals": "つなぎ支援",
    "outreach": "プッシュ型支援",
    "cards": "カード配布",
    "training": "研修・情報交換会",
}


def area_tables(
    session: Session, period: Period, area: str, *, districts: tuple[str, ...] = ()
) -> list[Table]:
    """The figures of one area (a key of `AREAS`)."""
    if area == "referrals":
        return figures_referrals.tables(session, period, districts)
    if area == "outreach":
        return figures_outreach.outreach_tables(session, period)
    if area == "cards":
        # The public pages' buttons beside the cards: both are publicity (広報).
        return figures_outreach.card_tables(session, period) + figures_taps.tables(session, period)
    if area == "training":
        return figures_training.tables(session, period)
    raise KeyError(area)


def all_tables(session: Session, period: Period, *, districts: tuple[str, ...] = ()) -> list[Table]:
    """Every figure for the period, area by area. ``districts`` (the profile's, in its order)
    gives the district table a row for each, zero included."""
    return [t for area in AREAS for t in area_tables(session, period, area, districts=districts)]
