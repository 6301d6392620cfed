"""At most so many counted scans per batch and minute, the same limit for every worker.

Reloading ``/c/<code>``, or a script, could otherwise add any number of scans to a batch. The
limit is kept in the rate-limit storage (``TSUNAGU_RATELIMIT_STORAGE_URI``: Redis when the public
site runs more than one worker, since memory is per process) under the batch's id alone: never
an address, a cookie or a browser, and the key is gone a minute later. Scans beyond the limit
still show the help; they are only not counted.
"""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

SCAN_COUNTS_PER_MINUTE = 30  # far above a card handed out on a visit or at a counter
KEY_PREFIX = "tsunagu-card-scan"


class ScanThrottle:
    """Whether a scan of a batch may be counted now; a shared window per batch and minute."""

    def __init__(
        self,
        storage_uri: str,
        *,
        per_minute: int = SCAN_COUNTS_PER_MINUTE,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self.storage: Storage = storage_from_string(storage_uri)
        self._limiter = FixedWindowRateLimiter(self.storage)
        self._limit = RateLimitItemPerMinute(per_minute)
        self._prefix = prefix

    def allow(self, batch_id: int) -> bool:
        """Take one count from the batch's budget for this minute; False once it is spent.

        Raises whatever the storage raises when it cannot be reached: the caller decides.
        """
        return self._limiter.hit(self._limit, self._prefix, str(batch_id))
