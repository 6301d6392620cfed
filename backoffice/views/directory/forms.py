"""Forms for editing the directory. Labels are Japanese; the checks live in directory.editing."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, Optional

from backoffice.web.forms import Checkboxes, choices
from directory.labels import (
    AREA_LABELS,
    AUDIENCE_LABELS,
    CHANNEL_KIND_LABELS,
    COST_LABELS,
    STATE_LABELS,
    WEEKDAY_LABELS,
)

WEEKDAYS = choices(WEEKDAY_LABELS)
COSTS = choices(COST_LABELS)
AREAS = choices(AREA_LABELS)
STATES = choices(STATE_LABELS)
AUDIENCES = choices(AUDIENCE_LABELS)
CHANNEL_KINDS = choices(CHANNEL_KIND_LABELS)


class ServiceForm(FlaskForm):
    name = StringField(
        "名称", validators=[DataRequired("名称を入力してください。"), Length(max=300)]
    )
    name_kana = StringField("よみ（ひらがな）", validators=[Length(max=300)])
    # Checked by the service (an archived organisation is refused with a message of its own).
    organization_id = SelectField(
        "運営する団体", validators=[DataRequired("団体を選んでください。")], validate_choice=False
    )
    description = TextAreaField("説明", validators=[Length(max=4000)])
    audience = TextAreaField("対象（文章）", validators=[Length(max=1000)])
    audiences = Checkboxes("対象（しぼりこみ用）", choices=AUDIENCES)
    topics = Checkboxes("分野")
    hours_note = TextAreaField("受付時間（文章）", validators=[Length(max=2000)])
    closed_on_holidays = BooleanField("祝日は休み")
    closed_over_year_end = BooleanField("年末年始（12月29日〜1月3日）は休み")
    cost = SelectField("料金", choices=COSTS)
    cost_note = StringField("料金の補足", validators=[Length(max=500)])
    anonymous = BooleanField("名前を言わずに相談できる")
    languages_note = StringField("対応言語（文章）", validators=[Length(max=500)])
    address = StringField("所在地", validators=[Length(max=500)])
    url = StringField("ウェブサイト（https://）", validators=[Length(max=500)])
    email = StringField("メールアドレス", validators=[Optional(), Length(max=254)])
    area = SelectField("地域", choices=AREAS)
    status = SelectField("公開の状態", choices=STATES)
    needs_check = BooleanField("要確認（公開ページに「確認中」と表示）")
    is_crisis_line = BooleanField(
        "いますぐ話せる窓口として上に表示（受付中のあいだ、公開ページのいちばん上に出ます）"
    )
    check_note = TextAreaField("確認のメモ（職員向け）", validators=[Length(max=4000)])
    source_url = TextAreaField("出典（URL、複数は | で区切る）", validators=[Length(max=4000)])
    source_date = StringField("出典の日付", validators=[Length(max=500)])
    # Shown on the English and やさしい日本語 pages; the limits and the half-width rule are
    # checked by the service (`directory.editing.checks.text_problems`), with their messages.
    name_en = StringField("名称（英語）")
    audience_en = TextAreaField("対象（英語）")
    summary_en = StringField("ひとことで説明（英語、1行）")
    hours_note_en = TextAreaField("受付時間の補足（英語）")
    cost_note_en = StringField("料金の補足（英語）")
    summary_easy = TextAreaField("やさしい日本語の説明")


class NewServiceForm(FlaskForm):
    name = StringField(
        "名称", validators=[DataRequired("名称を入力してください。"), Length(max=300)]
    )
    # Checked by the service (an archived organisation is refused with a message of its own).
    organization_id = SelectField(
        "運営する団体", validators=[DataRequired("団体を選んでください。")], validate_choice=False
    )


class ChannelForm(FlaskForm):
    kind = SelectField("種類", choices=CHANNEL_KINDS)
    value = StringField(
        "番号・アドレス",
        validators=[DataRequired("番号やアドレスを入力してください。"), Length(max=500)],
    )
    label = StringField("補足（例: フリーダイヤル）", validators=[Length(max=300)])


class ChannelEditForm(ChannelForm):
    # Choices (1 to the number of channels) are set by the view; the service checks the value.
    position = SelectField("表示の順番", validate_choice=False)


class HoursFields(FlaskForm):
    opens_at = TimeField("開始", validators=[DataRequired("開始の時刻を入力してください。")])
    closes_at = TimeField(
        "終了（翌日にまたがるときは翌日の時刻）",
        validators=[DataRequired("終了の時刻を入力してください。")],
    )
    last_intake_at = TimeField("受付終了（終了と違うとき）", validators=[Optional()])


class WeeklyHoursForm(HoursFields):
    weekdays = Checkboxes("曜日", choices=WEEKDAYS)


class WeeklyRowForm(HoursFields):
    """One weekly row, edited in place: one day rather than several."""

    # Checked by the service, with a message of its own.
    weekday = SelectField("曜日", choices=WEEKDAYS, validate_choice=False)


class ExceptionForm(FlaskForm):
    valid_from = DateField("日付（から）", validators=[DataRequired("日付を入力してください。")])
    valid_to = DateField("日付（まで）", validators=[Optional()])
    closed = BooleanField("休み", default=True)
    opens_at = TimeField("特別な開始時刻", validators=[Optional()])
    closes_at = TimeField("特別な終了時刻", validators=[Optional()])
    description = StringField("理由（例: 年末年始）", validators=[Length(max=300)])


class OrganizationForm(FlaskForm):
    name = StringField(
        "団体名", validators=[DataRequired("団体名を入力してください。"), Length(max=300)]
    )
    name_kana = StringField("よみ（ひらがな）", validators=[Length(max=300)])
    name_en = StringField("団体名（英語）")
    description = TextAreaField("説明", validators=[Length(max=4000)])
    website = StringField("ウェブサイト（https://）", validators=[Length(max=500)])


class SynonymForm(FlaskForm):
    terms = StringField(
        "同じ意味として扱う言葉（読点で区切る。例: 借金、ローン、債務）",
        validators=[DataRequired("言葉を入力してください。"), Length(max=700)],
    )
    note = StringField("メモ（任意）", validators=[Length(max=500)])


class CrisisTermForm(FlaskForm):
    term = StringField(
        "言葉（例: 消えてしまいたい）",
        validators=[DataRequired("言葉を入力してください。"), Length(max=30)],
    )
    note = StringField("メモ（任意）", validators=[Length(max=500)])


class LocationForm(FlaskForm):
    name = StringField("場所の名前（例: 峰山総合福祉センター）", validators=[Length(max=300)])
    postal_code = StringField("郵便番号", validators=[Length(max=16)])
    state_province = StringField("都道府県", validators=[Length(max=64)])
    city = StringField("市区町村", validators=[Length(max=100)])
    address_1 = StringField("住所", validators=[Length(max=300)])
    transportation = TextAreaField("交通手段・行き方", validators=[Length(max=1000)])
    accessibility = TextAreaField(
        "バリアフリー（車いす、手話通訳など）", validators=[Length(max=1000)]
    )


class LocationEditForm(LocationForm):
    name_kana = StringField("場所の名前のよみ（ひらがな）", validators=[Length(max=300)])
    # Text, so that the service can say in Japanese what is wrong with a number.
    latitude = StringField("緯度（例: 35.6245）", validators=[Length(max=32)])
    longitude = StringField("経度（例: 135.0614）", validators=[Length(max=32)])


class LanguageForm(FlaskForm):
    # Choices are set by the view from directory.editing; the service checks the code.
    code = SelectField("言語", validate_choice=False)
    name = StringField("表示する名前（空なら「英語」などの名前）", validators=[Length(max=100)])
    note = StringField("補足（例: 通訳を通して、予約が必要）", validators=[Length(max=500)])


class ServiceAreaForm(FlaskForm):
    areas = Checkboxes("対象の地域")
