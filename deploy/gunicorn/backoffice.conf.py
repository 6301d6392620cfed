"""gunicorn for the back office: `gunicorn --config backoffice.conf.py wsgi:backoffice`.

Sync workers, as for the public site (nginx buffers slow clients). Few staff use it at once,
but a sign-in holds a worker for the Argon2 hash (64 MiB, a fraction of a second) and an export
or a card print file takes seconds: three workers and a longer timeout. WEB_CONCURRENCY (read
by gunicorn) overrides the count.
"""

import os

from core import serving

bind = "127.0.0.1:8002"  # loopback only: nginx is the only client
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = 120  # statistics exports and card print files
graceful_timeout = 60
max_requests = 2000
max_requests_jitter = 200
limit_request_line = 8190  # a case list filtered by many fields
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = None  # the app writes its own line; the audit trail records what staff do
control_socket_disable = True  # gunicorn 25.1+: no control socket (nothing uses it)
logconfig_dict = serving.LOGCONFIG
serving.metrics_directory("/run/tsunagu-backoffice/metrics")
on_starting = serving.on_starting
child_exit = serving.child_exit
