"""The one shape of a refusal: every problem by form field, in words the person can act on.

Services raise a subclass (`EditError`, `DesignError`, `BatchError`, `IntakeError`, ...) when
they refuse values; a view shows each message beside its field
(`backoffice.web.forms.attach_problems`), a command prints them one per line. Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping


class ProblemsError(ValueError):
    """Values refused; ``problems`` maps each field to a sentence in Japanese."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)
