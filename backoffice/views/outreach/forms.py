"""Forms for outreach: they only parse; the rules live in `backoffice.outreach`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from backoffice.outreach.records import REASON_LIMIT
from backoffice.outreach.vocabulary import (
    AGENCY_KIND_LABELS,
    CONTACT_KIND_LABELS,
    CONTACT_RESULT_LABELS,
    END_REASON_LABELS,
    HANDOUT_KIND_LABELS,
    LEGAL_BASIS_LABELS,
)
from backoffice.web.forms import (
    BlankableDateField,
    Checkboxes,
    Select,
    VersionField,
    at_most,
    choices,
    plausible,
)

CHOOSE = ("", "選んでください")


def optional_id(value: object) -> int | None:
    if value is None or value == "":
        return None
    return int(str(value))


def cards(label: str) -> IntegerField:
    return IntegerField(
        label, invalid_value_message="枚数は数字で入力してください。", validators=[Optional()]
    )


class SubjectForm(FlaskForm):
    received_on = BlankableDateField("情報提供を受けた日", validators=[plausible])
    agency_kind = Select("情報提供元の種類", choices=choices([CHOOSE, *AGENCY_KIND_LABELS.items()]),
                         validate_choice=False)  # fmt: skip
    agency_organization_id = Select("情報提供元の機関（支援機関一覧から）", validate_choice=False)
    agency_name = StringField("機関名（一覧にないとき）", validators=[at_most(200)])
    passed_on_by = StringField("情報を伝えてくれた人（担当者名など）", validators=[at_most(200)])
    concern = Checkboxes("心配なこと（分野）")
    district = Select("地区")
    person_name = StringField("氏名（分かれば）", validators=[at_most(200)])
    person_kana = StringField("よみがな", validators=[at_most(200)])
    address = StringField("住所・訪問先", validators=[at_most(200)])
    phone = StringField("電話番号", validators=[at_most(40)])
    email = StringField("メールアドレス", validators=[at_most(254)])
    known = TextAreaField("分かっていること（情報提供の内容）", validators=[at_most(4000)])
    legal_basis = Select(
        "本人の同意なく情報を保有する根拠",
        choices=choices([CHOOSE, *LEGAL_BASIS_LABELS.items()]),
        validate_choice=False,
    )
    legal_basis_note = TextAreaField(
        "根拠の説明（「その他」のとき必須）", validators=[at_most(4000)]
    )
    version = VersionField()


class StatusForm(FlaskForm):
    status = Select("新しい状態", validate_choice=False)
    end_reason = Select("終了の理由（終了のとき）",
                        choices=choices([CHOOSE, *END_REASON_LABELS.items()]),
                        validate_choice=False)  # fmt: skip
    reason = TextAreaField("変更の理由・補足（任意）", validators=[at_most(4000)])
    version = VersionField()


class ContactForm(FlaskForm):
    kind = Select("方法", choices=choices(CONTACT_KIND_LABELS), validate_choice=False)
    planned_on = BlankableDateField("予定日", validators=[plausible])
    done_on = BlankableDateField("実施した日（済んだとき）", validators=[plausible])
    staff_id = Select("担当した職員", coerce=optional_id, validate_choice=False)
    result = Select("結果", choices=choices([CHOOSE, *CONTACT_RESULT_LABELS.items()]),
                    validate_choice=False)  # fmt: skip
    note = TextAreaField("メモ", validators=[at_most(4000)])
    next_step = TextAreaField("次にすること", validators=[at_most(4000)])
    next_on = BlankableDateField("次の予定日", validators=[plausible])
    batch_id = Select("配ったカードの束", coerce=optional_id, validate_choice=False)
    cards = cards("配った枚数")


class HandoutForm(FlaskForm):
    batch_id = Select("カードの束", coerce=optional_id, validate_choice=False)
    kind = Select("配った場", choices=choices([CHOOSE, *HANDOUT_KIND_LABELS.items()]),
                  validate_choice=False)  # fmt: skip
    count = cards("枚数")
    handed_on = BlankableDateField("配った日", validators=[plausible])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    status = Select("状態", validators=[Optional()])
    district = Select("地区", validators=[Optional()])


REASON_HINT = "記録に残ります。氏名など個人を特定できる情報は書かないでください。"


class ExportForm(FlaskForm):
    reason = TextAreaField(
        "書き出す理由（開示請求への対応など）",
        validators=[DataRequired("書き出す理由を入力してください。"), Length(max=REASON_LIMIT)],
    )


class HoldForm(FlaskForm):
    state = HiddenField(validators=[AnyOf(["1", "0"])])
    reason = TextAreaField(
        "法的保全を変更する理由",
        validators=[DataRequired("理由を入力してください。"), Length(max=REASON_LIMIT)],
    )
