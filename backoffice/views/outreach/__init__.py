"""Outreach (プッシュ型支援) in the back office: the subjects, their visits and contacts, cards
handed out, export and legal hold. ``pages`` makes the blueprint and the loader, and
``subject_page`` builds the subject's page; the views are in ``subjects`` (the list, a new
subject, the subject, editing it, its status), ``visits`` (contacts, cards handed out) and
``records`` (export, legal hold). Importing this package imports them all, so every view is on
the blueprint."""

from backoffice.views.outreach import records, subjects, visits
from backoffice.views.outreach.pages import bp

__all__ = ["bp", "records", "subjects", "visits"]
