"""Back-office forms. Every form carries a CSRF token (Flask-WTF) and validates server-side."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from backoffice.passwords import MAX_LENGTH

ROLE_LABELS = {
    "admin": _l("管理者（アカウント・設定・監査）"),
    "coordinator": _l("専任職員（つなぎ支援・訪問・会議）"),
    "supervisor": _l("専任職員の監督者（期限を過ぎた案件の確認を含む）"),
    "liaison": _l("つなぎ支援員（NPO）"),
    "analyst": _l("統計担当（集計のみ）"),
    "editor": _l("編集者（支援機関一覧・案内カード）"),
    "auditor": _l("監査担当（監査記録の閲覧）"),
}


class LoginForm(FlaskForm):
    login = StringField(
        _l("ログインID"),
        validators=[DataRequired(_l("ログインIDを入力してください。")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("パスワード"),
        validators=[DataRequired(_l("パスワードを入力してください。")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("確認コード（6桁）または回復コード"),
        validators=[DataRequired(_l("コードを入力してください。")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("認証アプリに表示された6桁のコード"),
        validators=[DataRequired(_l("コードを入力してください。")), Length(max=16)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("新しいパスワード（12文字以上）"),
        validators=[DataRequired(_l("新しいパスワードを入力してください。"))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("新しいパスワード（確認）"),
        validators=[
            DataRequired(_l("確認のため、もう一度入力してください。")),
            EqualTo("password", _l("確認用のパスワードが一致しません。")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("今のパスワード"),
        validators=[DataRequired(_l("今のパスワードを入力してください。"))],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmPasswordForm(FlaskForm):
    current = PasswordField(
        _l("今のパスワード"),
        validators=[DataRequired(_l("今のパスワードを入力してください。"))],
        render_kw={"autocomplete": "current-password"},
    )


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class RolesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffForm(FlaskForm):
    display_name = StringField(
        _l("表示名"), validators=[DataRequired(_l("表示名を入力してください。")), Length(max=100)]
    )
    email = EmailField(_l("メールアドレス（任意）"), validators=[Optional(), Length(max=254)])
    roles = RolesField(
        _l("役割"), choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()]
    )
    active = BooleanField(_l("利用できる"), default=True)


class NewStaffForm(StaffForm):
    login = StringField(
        _l("ログインID"),
        validators=[DataRequired(_l("ログインIDを入力してください。")), Length(max=64)],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
