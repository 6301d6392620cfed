"""What both gunicorn configurations share (deploy/gunicorn/*.conf.py): JSON logs, no access
log, and prometheus_client's multiprocess directory, emptied at start and kept per worker.

Imported by gunicorn's master, so it imports nothing of the apps: the workers load them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # as core.metrics, which the master never imports

# Every line JSON on standard error (journald keeps it). No access log: the request lines are
# the app's own (`core.observability`), without the client address gunicorn's would print.
LOGCONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.jsonlog.JsonFormatter"}},
    "handlers": {"stderr": {"class": "core.jsonlog.StandardError", "formatter": "json"}},
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        "tsunagu.requests": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}


def metrics_directory(default: str) -> str:
    """The multiprocess directory: the environment's (the systemd unit's), else ``default``.
    Set here, in the master, before any worker imports prometheus_client."""
    return os.environ.setdefault(MULTIPROCESS_ENV, default)


def on_starting(server: Any) -> None:
    """Start from an empty directory: files of an earlier run would be counted again."""
    directory = Path(os.environ[MULTIPROCESS_ENV])
    if directory.is_dir():
        shutil.rmtree(directory)
    directory.mkdir(mode=0o700, parents=True)


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone: its live gauges (pool use) no longer count."""
    from core.metrics import forget_worker

    forget_worker(worker.pid)
