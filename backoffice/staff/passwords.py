"""Passwords: Argon2id hashes and the policy a new password must meet."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from core.config import Settings

MIN_LENGTH = 12
MAX_LENGTH = 128  # guards the hasher against huge inputs


def make_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def waste_a_verification(hasher: PasswordHasher) -> None:
    """Spend the time a real check takes, so an unknown login answers as slowly as a known one."""
    verify_password(hasher, _dummy_hash(hasher), "not the password")


@cache
def _dummy_hash_for(params: tuple[int, int, int]) -> str:
    time_cost, memory_cost, parallelism = params
    hasher = PasswordHasher(time_cost, memory_cost, parallelism, type=Type.ID)
    return hasher.hash("tsunagu-dummy-password")


def _dummy_hash(hasher: PasswordHasher) -> str:
    return _dummy_hash_for((hasher.time_cost, hasher.memory_cost, hasher.parallelism))


@cache
def common_passwords() -> frozenset[str]:
    """Passwords seen most often in leaks, from the list the zxcvbn package ships."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, login: str = "", display_name: str = "") -> list[str]:
    """What is wrong with a proposed password, as messages for the person choosing it."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"パスワードは{MIN_LENGTH}文字以上にしてください。")
    if len(password) > MAX_LENGTH:
        problems.append(f"パスワードは{MAX_LENGTH}文字以内にしてください。")
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) <= 2:
        problems.append("よく使われていて推測されやすいパスワードです。別のものにしてください。")
    for own in (login, display_name):
        if len(own) >= 3 and own.casefold() in folded:
            problems.append("ログインIDや名前を含まないパスワードにしてください。")
            break
    return problems
