"""The error a service raises when it refuses values: every problem by form field, in Japanese."""

from __future__ import annotations


class ProblemsError(ValueError):
    """Values refused; `problems` maps each form field to a sentence staff can act on."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems
