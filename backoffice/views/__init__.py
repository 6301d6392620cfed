"""Every back-office blueprint, registered in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map


class RowId(IntegerConverter):
    """``<int:...>`` in the back office: a record id fits a database integer, or it is not found
    (rather than an overflow error deep in the database driver)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=0, max=2**31 - 1)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RowId
    from backoffice.views.audit.pages import bp as audit
    from backoffice.views.cards import bp as cards_admin
    from backoffice.views.dashboard.pages import bp as dashboard
    from backoffice.views.directory import bp as directory_admin
    from backoffice.views.notifications import bp as notifications
    from backoffice.views.outreach import bp as outreach
    from backoffice.views.referrals import actions_bp as referral_actions
    from backoffice.views.referrals import bp as referrals
    from backoffice.views.referrals import casework_bp as casework
    from backoffice.views.referrals import records_bp as records
    from backoffice.views.service_lists import bp as service_lists
    from backoffice.views.settings import bp as settings
    from backoffice.views.settings.embed import bp as embed_snippet
    from backoffice.views.staff.admin import bp as staff_admin
    from backoffice.views.staff.own_account import bp as account
    from backoffice.views.staff.signin import bp as auth
    from backoffice.views.statistics import bp as statistics
    from backoffice.views.training import bp as training

    for blueprint in (
        auth,
        dashboard,
        account,
        staff_admin,
        audit,
        directory_admin,
        cards_admin,
        referrals,
        referral_actions,
        casework,
        records,
        notifications,
        outreach,
        training,
        statistics,
        settings,
        embed_snippet,
        service_lists,
    ):
        app.register_blueprint(blueprint)
