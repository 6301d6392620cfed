"""研修・情報交換会 pages: the records, their materials and follow-up actions, attendance."""

from backoffice.views.training import actions, materials, meetings, people  # noqa: F401
from backoffice.views.training.pages import bp

__all__ = ["bp"]
