"""Notifications: the signed-in member's list, marking read, and the count in the header."""

from backoffice.views.notifications.pages import bp

__all__ = ["bp"]
