"""Referrals in the back office: the case list, intake, the case and its actions, case work,
export and legal hold.

``pages`` creates the area's four blueprints (``referrals``, ``referral_actions``, ``casework``,
``records``) and holds the loaders and what the pages share; ``case_page`` builds the case page.
The views are in ``cases`` (list, intake, the case, editing it), ``actions`` (the POST actions
on a case), ``casework`` (meetings, links, tasks, the supervisor's page), ``minutes`` (minutes
shared with the NPO) and ``records``.
Importing this package imports them all, so every view is on its blueprint.
"""

from backoffice.views.referrals import actions, cases, casework, minutes, records
from backoffice.views.referrals.pages import actions_bp, bp, casework_bp, records_bp

__all__ = [
    "actions",
    "actions_bp",
    "bp",
    "cases",
    "casework",
    "casework_bp",
    "minutes",
    "records",
    "records_bp",
]
