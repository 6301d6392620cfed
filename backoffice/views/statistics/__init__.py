"""統計 pages: the figures of each area for a period, as tables and charts."""

from backoffice.views.statistics import downloads  # noqa: F401  (the file routes on bp)
from backoffice.views.statistics.pages import bp

__all__ = ["bp"]
