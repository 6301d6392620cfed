"""自治体の設定 pages: the municipality profile, edited with a preview before it is saved."""

from backoffice.views.settings.pages import bp

__all__ = ["bp"]
