"""Forms of the staff pages: sign-in, second factor, passwords, accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from backoffice.staff.passwords import MAX_LENGTH
from backoffice.staff.permissions import ROLE_LABELS
from backoffice.web.forms import Checkboxes


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


class StaffForm(FlaskForm):
    display_name = StringField(
        _l("表示名"), validators=[DataRequired(_l("表示名を入力してください。")), Length(max=100)]
    )
    email = EmailField(_l("メールアドレス（任意）"), validators=[Optional(), Length(max=254)])
    roles = Checkboxes(
        _l("役割"), choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()]
    )
    active = BooleanField(_l("利用できる"), default=True)


class NewStaffForm(StaffForm):
    login = StringField(
        _l("ログインID"),
        validators=[DataRequired(_l("ログインIDを入力してください。")), Length(max=64)],
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
