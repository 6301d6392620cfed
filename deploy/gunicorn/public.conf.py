"""gunicorn for the public site: `gunicorn --config public.conf.py wsgi:public`.

Sync workers: nginx in front buffers every request and response, so a slow phone never holds a
worker, and each page is short CPU work (most come from the page cache); threads or async would
add nothing but shared state. One worker per core and one more (a worker waits on the database
now and then); WEB_CONCURRENCY (read by gunicorn) overrides it.
"""

import multiprocessing
import os

from core import serving

bind = "127.0.0.1:8001"  # loopback only: nginx is the only client
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30  # a public page takes milliseconds; a worker stuck this long is restarted
graceful_timeout = 20
max_requests = 5000  # renew workers now and then (a slow leak never grows for weeks)
max_requests_jitter = 500
# Requests are small: a resident's browser sends an address and a few headers, no form.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = None  # never: the app writes its own line, without who asked
control_socket_disable = True  # gunicorn 25.1+: no control socket (nothing uses it)
logconfig_dict = serving.LOGCONFIG
serving.metrics_directory("/run/tsunagu-public/metrics")
on_starting = serving.on_starting
child_exit = serving.child_exit
