"""Outreach (プッシュ型支援) in the back office: the subjects, their visits and contacts, cards
handed out, export and legal hold. ``pages`` makes the blueprint and the loader; the views are
in ``subjects``."""

from backoffice.views.outreach import subjects
from backoffice.views.outreach.pages import bp

__all__ = ["bp", "subjects"]
