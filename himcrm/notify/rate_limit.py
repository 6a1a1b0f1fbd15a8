"""The provider's messages-per-second limit, shared by every sender."""

from __future__ import annotations

import threading
import time
from typing import Any


class RateLimiter:
    """At most ``rate`` acquisitions per wall-clock second.

    With Redis every worker on every host counts against one key per second;
    without it (the embedded default) the count is per process.
    """

    def __init__(self, rate: float, *, redis: Any = None, name: str = "sms") -> None:
        self.rate = max(int(rate), 1)
        self.redis = redis
        self.name = name
        self._lock = threading.Lock()
        self._second = 0
        self._count = 0

    def acquire(self) -> None:
        while True:
            now = time.time()
            second = int(now)
            if self._try(second):
                return
            time.sleep(max(second + 1 - now, 0.001))

    def _try(self, second: int) -> bool:
        if self.redis is not None:
            key = f"himcrm:rate:{self.name}:{second}"
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, 5)
            count, _ = pipe.execute()
            return int(count) <= self.rate
        with self._lock:
            if second != self._second:
                self._second, self._count = second, 0
            if self._count < self.rate:
                self._count += 1
                return True
            return False
