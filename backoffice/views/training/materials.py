"""A record's materials: upload (PDF only, checked by content), download (as an attachment,
audited, to staff who may see the record) and removal."""

from __future__ import annotations

from flask import send_file
from werkzeug.wrappers import Response

from backoffice.staff.permissions import requires
from backoffice.training import materials
from backoffice.training.records import TrainingError
from backoffice.views.training.forms import MaterialForm
from backoffice.views.training.meetings import detail_page
from backoffice.views.training.pages import (
    bp,
    done,
    instance_path,
    load_material,
    load_training,
    load_training_to_change,
    material_limit,
    use_download_policy,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm, attach_problems
from core.db import get_session


@bp.post("/<int:training_id>/materials")
@requires("training.edit")
def upload_material(training_id: int) -> Response | tuple[str, int]:
    training = load_training_to_change(training_id)
    form = MaterialForm()
    if form.validate_on_submit():
        file = form.file.data
        if file is None or not getattr(file, "filename", ""):
            attach_problems(form, {"file": "添付する PDF ファイルを選んでください。"})
        else:
            # One byte past the limit is enough to refuse it: never read more than that.
            data = file.stream.read(material_limit() + 1)
            upload = materials.Upload(file.filename or "", data)
            try:
                materials.add_material(
                    get_session(),
                    training,
                    upload,
                    instance_path=instance_path(),
                    max_bytes=material_limit(),
                    actor=current_actor(),
                )
            except TrainingError as error:
                get_session().rollback()
                attach_problems(form, error.problems)
            else:
                return done(training, "資料を添付しました。")
    return detail_page(training, material_form=form), 400


@bp.get("/<int:training_id>/materials/<int:material_id>")
@requires("training.read")
def download_material(training_id: int, material_id: int) -> Response:
    training = load_training(training_id)
    material = load_material(training, material_id)
    path = materials.path_of(instance_path(), material)
    materials.record_download(get_session(), material, actor=current_actor())
    get_session().commit()
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=material.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    use_download_policy()  # default-src 'none'; sandbox, set once the app's headers are
    return response


@bp.post("/<int:training_id>/materials/<int:material_id>/remove")
@requires("training.edit")
def remove_material(training_id: int, material_id: int) -> Response:
    training = load_training_to_change(training_id)
    material = load_material(training, material_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        return done(training, "もう一度操作してください。")
    target = materials.remove_material(
        get_session(), material, instance_path=instance_path(), actor=current_actor()
    )
    response = done(training, "資料を削除しました。")
    materials.discard(target)
    return response
