"""Organisations in the back office: one page both creates a new one and edits an existing one."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from backoffice.context import current_actor
from backoffice.directory_admin.pages import bp
from backoffice.directory_forms import OrganizationForm
from backoffice.permissions import requires
from core.db import get_session
from directory import editing
from directory.models import Organization
from directory.search.reindex import reindex_organizations


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<organization_id>", methods=["GET", "POST"])
@requires("directory.edit")
def organization(organization_id: str | None = None) -> Response | tuple[str, int]:
    db = get_session()
    org = db.get(Organization, organization_id) if organization_id else None
    if organization_id and org is None:
        abort(404)
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        website = (form.website.data or "").strip()
        if website and not website.startswith("https://"):
            form.website.errors = ["ウェブサイトは https:// で始まるアドレスだけ登録できます。"]
        else:
            org = editing.save_organization(
                db, org, name=form.name.data or "", name_kana=form.name_kana.data or "",
                description=form.description.data or "", website=website,
                editor=g.staff_user, network=current_actor().network,
            )  # fmt: skip
            reindex_organizations(db, [org.id])
            db.commit()
            flash("団体を保存しました。")
            return redirect(url_for(".organization", organization_id=org.id))
    return render_template("backoffice/directory/organization.html", form=form, org=org), (
        400 if form.errors else 200
    )
