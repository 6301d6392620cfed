"""案内リスト pages: lists of services staff assemble and print as a handout."""

from backoffice.views.service_lists.pages import bp

__all__ = ["bp"]
