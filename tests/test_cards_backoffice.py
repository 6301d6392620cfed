"""Guidance cards in the back office and the CLI: designs with a preview and checks per field,
batches that are created, printed and retired with audit events, scan figures, rendering."""

from __future__ import annotations

import io
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.batches import count_scan, create_batch, standing_batch
from cards.designs import (
    card_design,
    ensure_card_setup,
    get_design,
    profile_design,
    stored_fields,
)
from cards.models import CardBatch
from core.audit import AuditEvent
from core.config import DEFAULT_PROFILE
from core.profile import (
    ProfileError,
    get_profile,
    profile_from_mapping,
    read_profile_file,
    store_profile,
)
from tests.staff import csrf_token, post_form, signed_in_client

DESIGN_URL = "/cards/designs/standard"


@pytest.fixture
def editor(backoffice_app: Flask, demo: Session) -> FlaskClient:
    return signed_in_client(backoffice_app, "editor")


def design_values(client: FlaskClient) -> dict[str, str]:
    """The design form as the page fills it in."""
    html = client.get(DESIGN_URL).get_data(as_text=True)
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    for name, text in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>\n?([^<]*)</textarea>', html):
        values[name] = text
    values.pop("csrf_token", None)
    return {k: v.replace("&amp;", "&") for k, v in values.items()}


def actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# ---- designs ----------------------------------------------------------------------------------


def test_design_page_shows_the_stored_design_and_its_preview(editor: FlaskClient) -> None:
    html = editor.get(DESIGN_URL).get_data(as_text=True)

    assert "京丹後市 連携自治体専用相談窓口" in html
    assert "救急車・火事 119" in html
    front = editor.get(DESIGN_URL + "/preview-front.png")
    assert front.status_code == 200 and front.mimetype == "image/png"
    assert Image.open(io.BytesIO(front.data)).size == (537, 325)


def test_saving_a_design_changes_it_and_is_audited(editor: FlaskClient, demo: Session) -> None:
    values = design_values(editor)
    values.update(message="話してみませんか。", accent_color="#0b5394", action="save")

    response = post_form(editor, DESIGN_URL, values)

    assert response.status_code == 302
    demo.expire_all()
    saved = get_design(demo)
    assert saved is not None and saved.fields["message"] == "話してみませんか。"
    assert saved.fields["accent_color"] == "#0b5394"
    assert "cards.design.update" in actions(demo)


def test_a_saved_design_keeps_only_its_own_fields_and_follows_the_profile(
    editor: FlaskClient, demo: Session
) -> None:
    values = design_values(editor)
    values.update(message="話してみませんか。", action="save")
    assert post_form(editor, DESIGN_URL, values).status_code == 302
    demo.expire_all()
    assert get_design(demo).fields == {"message": "話してみませんか。"}  # type: ignore[union-attr]

    # The section's number changes in the profile: the card follows, the message stays.
    profile = get_profile(demo, read_profile_file(DEFAULT_PROFILE))
    store_profile(demo, replace(profile, phone="0772-00-0000"))
    demo.commit()

    page = design_values(editor)
    assert page["section_phone"] == "0772-00-0000"
    assert page["message"].strip() == "話してみませんか。"
    saved = get_design(demo)
    assert saved is not None
    design = card_design(saved, profile_design(demo, get_profile(demo, profile)))
    assert design.section_phone == "0772-00-0000"


def test_designs_stored_whole_keep_only_what_differs_from_the_profile(demo: Session) -> None:
    profile = get_profile(demo, read_profile_file(DEFAULT_PROFILE))
    saved = get_design(demo)
    assert saved is not None
    whole = stored_fields(profile_design(demo, profile))
    saved.fields = {**whole, "hours": "平日 9時から17時", "national_channels": []}
    saved.updated_by = "editor"
    demo.flush()

    ensure_card_setup(demo, profile)

    # What equals the profile follows it from now on; what staff changed stays theirs.
    assert saved.fields == {"hours": "平日 9時から17時", "national_channels": []}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"message": "あ" * 61}, "「メッセージ」は60文字以内"),
        ({"text_color": "#ffffff"}, "コントラスト比"),
        ({"accent_color": "red"}, "#rrggbb"),
        ({"window_name": ""}, "「窓口の名前」を入力してください"),
        ({"emergency": "救急車"}, "名前と連絡先をどちらも"),
        ({"section_phone": "call us"}, "数字とハイフン"),
    ],
)
def test_invalid_design_input_is_refused_per_field_and_changes_nothing(
    editor: FlaskClient, demo: Session, change: dict[str, str], message: str
) -> None:
    before = dict(get_design(demo).fields)  # type: ignore[union-attr]
    values = {**design_values(editor), **change, "action": "save"}

    response = post_form(editor, DESIGN_URL, values)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    demo.expire_all()
    assert get_design(demo).fields == before  # type: ignore[union-attr]
    assert "cards.design.update" not in actions(demo)


def test_a_logo_that_is_not_png_or_jpeg_is_refused(editor: FlaskClient, demo: Session) -> None:
    values = {**design_values(editor), "action": "save"}
    values["csrf_token"] = csrf_token(editor, DESIGN_URL)
    gif = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(gif, format="GIF")
    data = {**values, "logo": (io.BytesIO(gif.getvalue()), "logo.png")}

    response = editor.post(DESIGN_URL, data=data, content_type="multipart/form-data")

    assert response.status_code == 400
    assert "ロゴ" in response.get_data(as_text=True)
    demo.expire_all()
    assert get_design(demo).logo is None  # type: ignore[union-attr]


def test_a_png_logo_is_stored_without_its_metadata(editor: FlaskClient, demo: Session) -> None:
    from PIL.PngImagePlugin import PngInfo

    values = {**design_values(editor), "action": "save"}
    values["csrf_token"] = csrf_token(editor, DESIGN_URL)
    info = PngInfo()
    info.add_text("Author", "someone private")
    png = io.BytesIO()
    Image.new("RGB", (120, 60), "#0b5394").save(png, format="PNG", pnginfo=info)
    data = {**values, "logo": (io.BytesIO(png.getvalue()), "logo.png")}

    response = editor.post(DESIGN_URL, data=data, content_type="multipart/form-data")

    assert response.status_code == 302
    demo.expire_all()
    stored = get_design(demo).logo  # type: ignore[union-attr]
    assert stored is not None and b"someone private" not in stored
    assert Image.open(io.BytesIO(stored)).format == "PNG"


def test_preview_shows_unsaved_values_and_saves_nothing(editor: FlaskClient, demo: Session) -> None:
    before = dict(get_design(demo).fields)  # type: ignore[union-attr]
    values = {**design_values(editor), "message": "まだ保存しない文", "action": "preview"}

    response = post_form(editor, DESIGN_URL, values)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "まだ保存していません" in html
    preview = re.search(r'src="(/cards/designs/standard/preview-front\.png\?d=[^"]+)"', html)
    assert preview is not None
    image = editor.get(preview.group(1).replace("&amp;", "&"))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert editor.get(DESIGN_URL + "/preview-front.png?d=forged").status_code == 400
    demo.expire_all()
    assert get_design(demo).fields == before  # type: ignore[union-attr]


# ---- batches ----------------------------------------------------------------------------------


def test_create_print_and_retire_a_batch(editor: FlaskClient, demo: Session) -> None:
    response = post_form(
        editor,
        "/cards/batches/new",
        {"design": "standard", "purpose": "home_visit", "quantity": "30", "note": "12月訪問分"},
    )
    assert response.status_code == 302
    batch = demo.scalar(select(CardBatch).where(CardBatch.purpose == "home_visit"))
    assert batch is not None and batch.quantity == 30 and batch.created_by
    page = editor.get(f"/cards/batches/{batch.id}").get_data(as_text=True)
    assert batch.code in page and "12月訪問分" in page

    sheet = post_form(
        editor,
        f"/cards/batches/{batch.id}/print",
        {"stock": "perforated", "offset_x": "0.5", "offset_y": "-1"},
        form_url=f"/cards/batches/{batch.id}",
    )
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    assert sheet.data.startswith(b"%PDF-") and batch.code in sheet.headers["Content-Disposition"]

    retired = post_form(
        editor, f"/cards/batches/{batch.id}/retire", {}, form_url=f"/cards/batches/{batch.id}"
    )
    assert retired.status_code == 302
    demo.expire_all()
    assert batch.printed_at is not None and batch.retired_at is not None
    assert actions(demo)[-3:] == ["cards.batch.create", "cards.batch.print", "cards.batch.retire"]


def test_a_batch_file_carries_that_batchs_code(
    editor: FlaskClient, demo: Session, backoffice_app: Flask
) -> None:
    post_form(
        editor, "/cards/batches/new", {"design": "standard", "purpose": "school", "quantity": "5"}
    )
    batch = demo.scalar(select(CardBatch).where(CardBatch.purpose == "school"))
    assert batch is not None

    png = editor.get(f"/cards/batches/{batch.id}/files/card.png")

    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    assert decoded and decoded[0].endswith(f"/c/{batch.code}")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"purpose": "home_visit", "quantity": "0"}, "枚数は1から"),
        ({"purpose": "home_visit", "quantity": "たくさん"}, "枚数"),
        ({"purpose": "public_download", "quantity": "5"}, "Not a valid choice"),
    ],
)
def test_an_invalid_batch_form_is_refused(
    editor: FlaskClient, demo: Session, values: dict[str, str], message: str
) -> None:
    before = len(demo.scalars(select(CardBatch)).all())

    response = post_form(editor, "/cards/batches/new", {"design": "standard", **values})

    assert response.status_code == 400
    assert len(demo.scalars(select(CardBatch)).all()) == before


def test_scan_figures_per_batch_and_purpose(editor: FlaskClient, demo: Session) -> None:
    batch = standing_batch(demo)
    assert batch is not None
    for _ in range(3):
        count_scan(demo, batch.id)
    demo.commit()

    index = editor.get("/cards/").get_data(as_text=True)
    detail = editor.get(f"/cards/batches/{batch.id}").get_data(as_text=True)

    assert "公開ページからのダウンロード" in index
    assert re.search(r"<td>3</td>", index)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in index and 'role="img"' in index
    assert "合計 3回" in detail


def small_and_large_batches(demo: Session) -> tuple[CardBatch, CardBatch]:
    """A batch of 3 cards (one household, perhaps) and one of 10, each scanned 4 times."""
    design = get_design(demo)
    assert design is not None
    small, large = (
        create_batch(demo, design=design, purpose="home_visit", quantity=n, actor=None)
        for n in (3, 10)
    )
    for batch in (small, large):
        for _ in range(4):
            count_scan(demo, batch.id)
    demo.commit()
    return small, large


def test_a_batch_under_the_minimum_hides_its_scan_figures(
    editor: FlaskClient, demo: Session
) -> None:
    small, large = small_and_large_batches(demo)

    hidden = editor.get(f"/cards/batches/{small.id}").get_data(as_text=True)
    shown = editor.get(f"/cards/batches/{large.id}").get_data(as_text=True)

    assert "10枚未満のため、読み取り回数を表示しません" in hidden
    assert "合計" not in hidden and "日ごとの表" not in hidden and "<svg" not in hidden
    assert "合計 4回" in shown and "日ごとの表" in shown


def test_the_overview_leaves_small_batches_out_of_every_figure(
    editor: FlaskClient, demo: Session
) -> None:
    small, _ = small_and_large_batches(demo)

    index = editor.get("/cards/").get_data(as_text=True)

    row = re.search(rf"<tr>\s*<td><a[^>]*><code>{small.code}</code>.*?</tr>", index, re.S)
    assert row is not None and "表示しません（10枚未満）" in row.group(0)
    monthly = index[index.index('id="monthly-title"') :]
    assert "<td>4</td>" in monthly and "<td>8</td>" not in monthly  # the large batch alone
    assert "10枚未満の束は含みません" in monthly


def test_the_minimum_comes_from_the_municipality_profile(
    editor: FlaskClient, demo: Session
) -> None:
    small, _ = small_and_large_batches(demo)
    profile = get_profile(demo, read_profile_file(DEFAULT_PROFILE))
    assert profile.statistics_minimum_batch == 10
    store_profile(demo, replace(profile, statistics_minimum_batch=3))
    demo.commit()

    assert "合計 4回" in editor.get(f"/cards/batches/{small.id}").get_data(as_text=True)


@pytest.mark.parametrize("value", [0, -1, "10", 2.5, True])
def test_a_minimum_that_is_not_a_whole_number_of_one_or_more_is_refused(value: object) -> None:
    raw = tomllib.loads(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    raw["statistics"] = {"minimum_batch": value}

    with pytest.raises(ProfileError, match=r"statistics\.minimum_batch"):
        profile_from_mapping(raw)


def test_other_roles_cannot_reach_designs(backoffice_app: Flask, demo: Session) -> None:
    coordinator = signed_in_client(backoffice_app, "coordinator")
    analyst = signed_in_client(backoffice_app, "analyst")

    assert coordinator.get("/cards/").status_code == 200
    assert coordinator.get(DESIGN_URL).status_code == 403
    assert analyst.get("/cards/").status_code == 403


# ---- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF-"),
                                             ("sheet", b"%PDF-")])  # fmt: skip
def test_cards_render_writes_the_generic_card(
    backoffice_app: Flask, demo: Session, tmp_path: Path, fmt: str, magic: bytes
) -> None:
    output = tmp_path / f"card.{fmt}"

    result = backoffice_app.test_cli_runner().invoke(
        args=["cards", "render", "--format", fmt, "-o", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(magic)
    batch = standing_batch(demo)
    assert batch is not None and batch.code in result.output


def test_cards_render_refuses_an_unknown_batch(
    backoffice_app: Flask, demo: Session, tmp_path: Path
) -> None:
    result = backoffice_app.test_cli_runner().invoke(
        args=["cards", "render", "--batch", "nosuchcode", "-o", str(tmp_path / "x.png")]
    )

    assert result.exit_code != 0 and "no card batch" in result.output
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("text", ["こんにちは😀", "𠮷野さんへ"])
def test_characters_the_font_lacks_are_refused_by_field(
    editor: FlaskClient, demo: Session, text: str
) -> None:
    for action in ("save", "preview"):
        values = {**design_values(editor), "message": text, "action": action}

        response = post_form(editor, DESIGN_URL, values)

        assert response.status_code == 400, action
        html = response.get_data(as_text=True)
        assert "次の文字がないため" in html and 'aria-invalid="true"' in html


def test_the_public_download_batch_cannot_be_retired(editor: FlaskClient, demo: Session) -> None:
    batch = standing_batch(demo)
    assert batch is not None

    post_form(
        editor, f"/cards/batches/{batch.id}/retire", {}, form_url=f"/cards/batches/{batch.id}"
    )

    demo.expire_all()
    assert batch.retired_at is None
    assert "cards.batch.retire" not in actions(demo)


def test_every_print_file_of_a_batch_is_audited_and_a_retired_batch_is_not_printed(
    editor: FlaskClient, demo: Session
) -> None:
    post_form(
        editor, "/cards/batches/new", {"design": "standard", "purpose": "event", "quantity": "5"}
    )
    batch = demo.scalar(select(CardBatch).where(CardBatch.purpose == "event"))
    assert batch is not None

    assert editor.get(f"/cards/batches/{batch.id}/files/card.pdf").status_code == 200
    assert actions(demo)[-1] == "cards.batch.print"
    post_form(
        editor, f"/cards/batches/{batch.id}/retire", {}, form_url=f"/cards/batches/{batch.id}"
    )
    refused = editor.get(f"/cards/batches/{batch.id}/files/card.pdf")

    assert refused.status_code == 302
    assert actions(demo)[-1] == "cards.batch.retire"


def test_a_preview_token_is_bound_to_its_design(editor: FlaskClient, demo: Session) -> None:
    values = {**design_values(editor), "action": "preview"}
    html = post_form(editor, DESIGN_URL, values).get_data(as_text=True)
    token = re.search(r"preview-front\.png\?d=([^\"&]+)", html)
    assert token is not None

    other = editor.get(f"/cards/designs/other/preview-front.png?d={token.group(1)}")

    assert other.status_code == 404  # no such design; a token never opens another one


def test_a_second_design_starts_as_a_copy_and_is_audited(
    editor: FlaskClient, demo: Session
) -> None:
    response = post_form(editor, "/cards/designs/new", {"source": "standard", "name": "school"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/school")
    copy, original = get_design(demo, "school"), get_design(demo)
    assert copy is not None and original is not None and copy.fields == original.fields
    assert "cards.design.create" in actions(demo)
    for name in ("school", "New Design", "new", "x" * 40):
        refused = post_form(editor, "/cards/designs/new", {"source": "standard", "name": name})
        assert refused.status_code == 400, name
