"""Guidance cards in the back office: designs (`cards.design`); batches, scans (`cards.print`).

One blueprint, ``cards_admin``, under ``/staff/cards/``. ``pages`` creates it and holds what the
pages share; the views are in ``overview`` (the home page and its scan figures), ``designs``
(with ``design_fields`` between the form and a design) and ``batches``. Importing this package
imports them all, so every view is on ``bp``.
"""

from backoffice.views.cards import batches, designs, overview
from backoffice.views.cards.pages import bp

__all__ = ["batches", "bp", "designs", "overview"]
