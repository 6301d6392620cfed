"""Forms for guidance cards. The real checks live in `cards.design` and `cards.batches`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import ColorInput

from cards.batches import MAX_NOTE, MAX_QUANTITY

PURPOSE_LABELS = {
    "home_visit": "訪問",
    "event": "イベント・講演会",
    "school": "学校",
    "partner": "関係機関（警察・病院・福祉の窓口など）",
    "counter": "市役所などの窓口",
    "other": "その他",
    "public_download": "公開ページからのダウンロード",
}
PAIRS_HINT = "1行に1件、「名前 番号」の形で入力します（例: 救急車・火事 119）。"


class NewDesignForm(FlaskForm):
    source = SelectField("もとにするデザイン")
    name = StringField(
        "新しいデザインの名前（半角英小文字・数字・- _）",
        validators=[DataRequired("名前を入力してください。"), Length(max=32)],
    )


class DesignForm(FlaskForm):
    name = StringField("自治体名", validators=[Length(max=100)])
    window_name = StringField("窓口の名前", validators=[Length(max=200)])
    message = TextAreaField("メッセージ", validators=[Length(max=500)])
    channel = StringField("相談方法（例: LINE）", validators=[Length(max=100)])
    hours = StringField("受付時間", validators=[Length(max=200)])
    emergency = TextAreaField("緊急時の連絡先（裏面）", validators=[Length(max=500)])
    section_name = StringField("担当課の名前（裏面）", validators=[Length(max=200)])
    section_phone = StringField("担当課の電話番号（裏面）", validators=[Length(max=100)])
    national_channels = TextAreaField("全国の相談窓口（裏面）", validators=[Length(max=500)])
    accent_color = StringField("アクセント色", widget=ColorInput(), validators=[Length(max=7)])
    text_color = StringField("文字色", widget=ColorInput(), validators=[Length(max=7)])
    background_color = StringField("背景色", widget=ColorInput(), validators=[Length(max=7)])
    logo = FileField("ロゴ（PNGまたはJPEG、2MBまで。任意）")
    remove_logo = BooleanField("いまのロゴを外す")


class BatchForm(FlaskForm):
    design = SelectField("デザイン", validators=[DataRequired("デザインを選んでください。")])
    purpose = SelectField(
        "用途",
        choices=[SelectChoice(k, v) for k, v in PURPOSE_LABELS.items() if k != "public_download"],
        validators=[DataRequired("用途を選んでください。")],
    )
    quantity = IntegerField(
        "枚数",
        validators=[
            InputRequired("枚数を入力してください。"),
            NumberRange(1, MAX_QUANTITY, f"枚数は1から{MAX_QUANTITY:,}までです。"),
        ],
    )
    note = TextAreaField(
        "メモ（任意。個人名など、個人を特定できることは書かないでください）",
        validators=[Optional(), Length(max=MAX_NOTE)],
    )


class PrintForm(FlaskForm):
    """Sheet printing: which paper, and how far the printer shifts the artwork."""

    stock = SelectField(
        "用紙",
        choices=[
            SelectChoice("perforated", "名刺用ミシン目用紙（A4・10面）"),
            SelectChoice("plain", "普通紙（切り取り線の目印つき）"),
        ],
    )
    offset_x = DecimalField(
        "左右のずれの補正（mm、右へ動かすときは正の数）",
        default=0,
        places=1,
        validators=[
            InputRequired("数字を入力してください。"),
            NumberRange(-10, 10, "±10mmまでです。"),
        ],
    )
    offset_y = DecimalField(
        "上下のずれの補正（mm、下へ動かすときは正の数）",
        default=0,
        places=1,
        validators=[
            InputRequired("数字を入力してください。"),
            NumberRange(-10, 10, "±10mmまでです。"),
        ],
    )
