"""Organisations in the back office: the list, one page that both creates a new one and edits an
existing one (with its services and its history), and archiving and restoring one."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.views.directory.forms import OrganizationForm
from backoffice.views.directory.pages import as_editor, bp, load_organization
from backoffice.web.forms import EmptyForm, attach_problems
from core.db import get_session
from directory import editing
from directory.models import Organization
from directory.search.reindex import reindex_organizations


@bp.route("/organizations")
@requires("directory.edit")
def organizations() -> str:
    return render_template(
        "backoffice/directory/organizations.html",
        summaries=editing.organization_overview(get_session()),
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<organization_id>", methods=["GET", "POST"])
@requires("directory.edit")
def organization(organization_id: str | None = None) -> Response | tuple[str, int]:
    db = get_session()
    org = load_organization(organization_id) if organization_id else None
    form = OrganizationForm(obj=org)
    if form.validate_on_submit():
        website = (form.website.data or "").strip()
        if website and not website.startswith("https://"):
            form.website.errors = ["ウェブサイトは https:// で始まるアドレスだけ登録できます。"]
        else:
            try:
                org = editing.save_organization(
                    db, org, name=form.name.data or "", name_kana=form.name_kana.data or "",
                    name_en=form.name_en.data or "", description=form.description.data or "",
                    website=website, **as_editor(),
                )  # fmt: skip
            except editing.EditError as error:
                db.rollback()
                attach_problems(form, error.problems)
                return _page(org, form)
            reindex_organizations(db, [org.id])
            db.commit()
            flash("団体を保存しました。")
            return redirect(url_for(".organization", organization_id=org.id))
    return _page(org, form)


@bp.route("/organizations/<organization_id>/archive", methods=["POST"])
@requires("directory.edit")
def archive_organization(organization_id: str) -> Response | tuple[str, int]:
    return _change_status(organization_id, editing.archive_organization, "アーカイブしました。")


@bp.route("/organizations/<organization_id>/restore", methods=["POST"])
@requires("directory.edit")
def restore_organization(organization_id: str) -> Response | tuple[str, int]:
    return _change_status(
        organization_id, editing.restore_organization, "アーカイブから戻しました。"
    )


def _change_status(
    organization_id: str, change: Callable[..., None], message: str
) -> Response | tuple[str, int]:
    """Archive or restore, then back to the page; a refusal shows the page with its reason."""
    db, org = get_session(), load_organization(organization_id)
    if EmptyForm().validate_on_submit():
        try:
            change(db, org, **as_editor())
        except editing.EditError as error:
            db.rollback()
            org = load_organization(organization_id)
            form = OrganizationForm(obj=org, formdata=None)
            return _page(org, form, problems=list(error.problems.values()))
        db.commit()
        flash(f"「{org.name}」を{message}")
    return redirect(url_for(".organization", organization_id=org.id))


def _page(
    org: Organization | None, form: OrganizationForm, problems: list[str] | None = None
) -> tuple[str, int]:
    db = get_session()
    return render_template(
        "backoffice/directory/organization.html",
        form=form,
        org=org,
        action_form=EmptyForm(),
        services=editing.organization_services(db, org.id) if org else [],
        history=editing.organization_history(db, org.id) if org else [],
        problems=problems or [],
    ), 400 if form.errors or problems else 200
