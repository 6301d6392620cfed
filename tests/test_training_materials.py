"""Materials of a training record: PDFs only, checked by content, kept outside the web root and
handed back only as an audited download to staff who may see the record."""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
import zlib
from pathlib import Path

import pypdfium2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.training.material_checks import MB, problem_with
from backoffice.training.materials import display_name
from backoffice.training.models import TrainingMaterial
from backoffice.training.pdf_filters import lzw_decode
from core.audit import AuditEvent
from core.db import get_engine
from core.web import STATIC_FOLDER
from tests.staff import csrf_token, make_staff, sign_in
from tests.training import (
    SCRIPT,
    make_training,
    pdf_bytes,
    pdf_with_javascript,
    pdf_with_object_stream,
)


def client_for(app: Flask, *roles: str) -> tuple[FlaskClient, int]:
    staff = make_staff(app, *roles)
    client = app.test_client()
    assert sign_in(client, staff).status_code == 302
    return client, staff.id


def upload(client: FlaskClient, record: int, data: bytes, filename: str = "資料.pdf"):
    token = csrf_token(client, f"/training/{record}")
    return client.post(
        f"/training/{record}/materials",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def stored(app: Flask) -> list[TrainingMaterial]:
    with Session(get_engine(app)) as session:
        return list(session.scalars(select(TrainingMaterial)))


def folder(app: Flask) -> Path:
    return Path(app.config["TSUNAGU_SETTINGS"].instance_path) / "training-materials"


@pytest.fixture
def coordinator(backoffice_app: Flask) -> tuple[FlaskClient, int]:
    return client_for(backoffice_app, "coordinator")


def test_a_pdf_is_kept_outside_the_web_root_by_a_random_name(
    backoffice_app: Flask, coordinator: tuple[FlaskClient, int]
) -> None:
    client, staff = coordinator
    record = make_training(backoffice_app, staff)
    data = pdf_bytes()
    assert len(pypdfium2.PdfDocument(data)) == 1  # a real PDF, as a reader opens it
    assert upload(client, record, data, "../../static/passwd.pdf").status_code == 302
    (material,) = stored(backoffice_app)
    assert material.filename == "passwd.pdf"
    path = folder(backoffice_app) / material.stored_name
    assert path.read_bytes() == data and len(material.stored_name) == 32
    assert list(folder(backoffice_app).iterdir()) == [path]
    assert STATIC_FOLDER not in path.resolve().parents
    assert not list(STATIC_FOLDER.rglob("passwd.pdf"))


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"<!doctype html><script>alert(1)</script>", "notes.pdf", "PDF ファイルではありません"),
        (None, "slides.pdf", "PDF ファイルではありません"),  # a zip
        (b"%PDF-1.7\n<html>no trailer</html>", "broken.pdf", "PDF ファイルとして読めません"),
        (pdf_with_javascript(), "script.pdf", "動作するもの"),
        (pdf_with_javascript(hidden=True), "hidden.pdf", "動作するもの"),
        (b"", "empty.pdf", "ファイルが空です"),
    ],
)
def test_hostile_files_are_refused(
    backoffice_app: Flask,
    coordinator: tuple[FlaskClient, int],
    data: bytes | None,
    filename: str,
    message: str,
) -> None:
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("a.pdf", pdf_bytes())
        data = buffer.getvalue()
    client, staff = coordinator
    record = make_training(backoffice_app, staff)
    response = upload(client, record, data, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(backoffice_app) == []
    assert not folder(backoffice_app).exists() or not list(folder(backoffice_app).iterdir())


def _run_length(data: bytes) -> bytes:
    return (
        b"".join(
            bytes([len(data[i : i + 128]) - 1]) + data[i : i + 128]
            for i in range(0, len(data), 128)
        )
        + b"\x80"
    )


HIDDEN = {
    "hex then flate": (
        binascii.hexlify(zlib.compress(SCRIPT)) + b">",
        b"[/ASCIIHexDecode /FlateDecode]",
    ),
    "hex": (binascii.hexlify(SCRIPT) + b">", b"/ASCIIHexDecode"),
    "hex, short name": (binascii.hexlify(SCRIPT) + b">", b"/AHx"),
    "ascii85": (base64.a85encode(SCRIPT) + b"~>", b"/ASCII85Decode"),
    "ascii85 then flate": (base64.a85encode(zlib.compress(SCRIPT)) + b"~>", b"[/A85 /Fl]"),
    "run length": (_run_length(SCRIPT), b"/RunLengthDecode"),
    "escaped filter name": (binascii.hexlify(SCRIPT) + b">", b"/ASCIIHex#44ecode"),
}


@pytest.mark.parametrize("line_end", [b"\r", b" \r\n", b"\t\n"])
def test_streams_opened_by_any_end_of_line_are_read(line_end: bytes) -> None:
    data = pdf_with_object_stream(zlib.compress(SCRIPT), b"/FlateDecode")
    data = data.replace(b"stream\n", b"stream" + line_end, 1)
    problem = problem_with(data, max_bytes=10 * MB)
    assert problem is not None and "動作するもの" in problem


@pytest.mark.parametrize("encoded, filters", HIDDEN.values(), ids=HIDDEN.keys())
def test_scripts_behind_any_filter_chain_are_refused(encoded: bytes, filters: bytes) -> None:
    problem = problem_with(pdf_with_object_stream(encoded, filters), max_bytes=10 * MB)
    assert problem is not None and "動作するもの" in problem


def test_lzw_streams_are_read() -> None:
    # The example of the PDF reference (7.4.4.2): 45 45 45 45 45 65 45 45 45 66.
    assert lzw_decode(bytes.fromhex("800B6050220C0C8501"), 1, 100) == b"-----A---B"


UNCHECKABLE = {
    "unknown filter": pdf_with_object_stream(b"xx", b"/Crypt"),
    "image codec on an object stream": pdf_with_object_stream(b"xx", b"/DCTDecode"),
    "filter given by reference": pdf_with_object_stream(b"xx", b"5 0 R"),
    "broken flate": pdf_with_object_stream(b"not flate", b"/FlateDecode"),
    "object stream behind a predictor": pdf_with_object_stream(
        zlib.compress(b"1 0 << >>"), b"/FlateDecode", b" /DecodeParms << /Predictor 12 >>"
    ),
    "encrypted": pdf_bytes().replace(b"trailer\n<<", b"trailer\n<< /Encrypt 9 0 R"),
    "encrypted, escaped": pdf_bytes().replace(b"trailer\n<<", b"trailer\n<< /En#63rypt 9 0 R"),
}


@pytest.mark.parametrize("data", UNCHECKABLE.values(), ids=UNCHECKABLE.keys())
def test_what_cannot_be_checked_is_refused(data: bytes) -> None:
    assert b"trailer" in data
    problem = problem_with(data, max_bytes=10 * MB)
    assert problem is not None and "中身を確かめられない" in problem


def test_escaped_action_names_are_refused() -> None:
    data = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /Open#41ction 3 0 R", 1)
    assert data != pdf_bytes()
    assert problem_with(data, max_bytes=10 * MB) is not None
    plain = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction [3 0 R /Fit]", 1)
    assert problem_with(plain, max_bytes=10 * MB) is None


def test_image_codecs_and_clean_filter_chains_are_kept() -> None:
    page = b"1 0 << /Type /Page >>"
    for encoded, filters in (
        (binascii.hexlify(zlib.compress(page)) + b">", b"[/AHx /Fl]"),
        (base64.a85encode(page) + b"~>", b"/A85"),
    ):
        assert problem_with(pdf_with_object_stream(encoded, filters), max_bytes=10 * MB) is None
    image = pdf_bytes().replace(
        b"trailer",
        b"7 0 obj\n<< /Subtype /Image /Filter /DCTDecode /Length 4 >>\n"
        b"stream\n\xff\xd8\xff\xe0\nendstream\nendobj\ntrailer",
        1,
    )
    assert problem_with(image, max_bytes=10 * MB) is None


def test_oversize_files_are_refused(
    backoffice_app: Flask, coordinator: tuple[FlaskClient, int]
) -> None:
    client, staff = coordinator
    record = make_training(backoffice_app, staff)
    just_over = pdf_bytes() + b" " * (10 * MB)
    response = upload(client, record, just_over)
    assert response.status_code == 400
    assert "10 MB 以下の PDF" in response.get_data(as_text=True)
    far_over = b"%PDF-" + b" " * (12 * MB)
    assert upload(client, record, far_over).status_code == 413
    assert stored(backoffice_app) == []


def test_only_staff_who_may_upload_get_the_larger_body(
    backoffice_app: Flask, coordinator: tuple[FlaskClient, int]
) -> None:
    _, staff = coordinator
    record = make_training(backoffice_app, staff)
    body = {"file": (io.BytesIO(b"%PDF-" + b"a" * (9 * MB)), "a.pdf")}
    anonymous = backoffice_app.test_client()
    url = f"/training/{record}/materials"
    # Refused by the app's limit as soon as anything reads the form: not read, not redirected.
    assert anonymous.post(url, data=body, content_type="multipart/form-data").status_code == 413
    analyst, _ = client_for(backoffice_app, "analyst")
    body = {"file": (io.BytesIO(b"%PDF-" + b"a" * (9 * MB)), "a.pdf")}
    assert analyst.post(url, data=body, content_type="multipart/form-data").status_code == 413


def test_other_pages_keep_the_apps_body_limit(
    backoffice_app: Flask, coordinator: tuple[FlaskClient, int]
) -> None:
    client, _ = coordinator
    token = csrf_token(client, "/training/new")
    big = {"csrf_token": token, "notes": "x" * (4 * MB)}
    assert client.post("/training/new", data=big).status_code == 413


def test_download_is_an_audited_attachment_for_allowed_staff_only(
    backoffice_app: Flask, coordinator: tuple[FlaskClient, int]
) -> None:
    client, staff = coordinator
    liaison_client, liaison = client_for(backoffice_app, "liaison")
    other_client, _ = client_for(backoffice_app, "liaison")
    analyst_client, _ = client_for(backoffice_app, "analyst")
    record = make_training(backoffice_app, staff, organiser="city", participants=[liaison])
    data = pdf_bytes()
    assert upload(client, record, data, "会議資料.pdf").status_code == 302
    (material,) = stored(backoffice_app)
    url = f"/training/{record}/materials/{material.id}"
    response = liaison_client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # The download's own policy survives the app's security headers, set after every view.
    policy = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert response.data == data
    page = client.get(f"/training/{record}")
    assert "sandbox" not in page.headers["Content-Security-Policy"]  # other pages keep theirs
    assert other_client.get(url).status_code == 404  # a city meeting they did not attend
    assert analyst_client.get(url).status_code == 403
    assert client.get(f"/training/{record}/materials/{material.id + 1}").status_code == 404
    with Session(get_engine(backoffice_app)) as session:
        downloads = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "training.material_download")
        ).all()
    assert [(e.actor_id, e.object_id) for e in downloads] == [(liaison, str(material.id))]


def test_removed_material_leaves_no_file(
    backoffice_app: Flask, coordinator: tuple[FlaskClient, int]
) -> None:
    client, staff = coordinator
    record = make_training(backoffice_app, staff)
    assert upload(client, record, pdf_bytes()).status_code == 302
    (material,) = stored(backoffice_app)
    token = csrf_token(client, f"/training/{record}")
    url = f"/training/{record}/materials/{material.id}/remove"
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert stored(backoffice_app) == []
    assert list(folder(backoffice_app).iterdir()) == []


def test_display_names_are_never_paths() -> None:
    assert display_name("..\\..\\windows\\evil.PDF") == "evil.PDF"
    assert display_name("/etc/passwd") == "passwd.pdf"
    assert display_name("..") == "資料.pdf"
    assert display_name("a\x00b\u202e.pdf") == "ab.pdf"
    assert len(display_name("あ" * 500 + ".pdf")) == 150


def test_checks_need_no_reader() -> None:
    assert problem_with(pdf_bytes(), max_bytes=MB) is None
    assert problem_with(pdf_bytes(), max_bytes=10) is not None
