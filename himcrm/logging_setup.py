"""Keep personal data out of the request logs.

Phone numbers, names and ticket searches travel in query strings (the console's
citizen lookup, the screen pop, search). The development server logs every
request line; a filter drops the query string from those lines. In production
configure gunicorn's access log without the query (``%(U)s`` instead of ``%(r)s``),
as the README shows.
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class RedactQueryStrings(logging.Filter):
    """Replace ``?...`` in request lines with ``?…``; the path stays for debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("?…", record.msg)
        return True


def install() -> None:
    """Idempotent: add the filter to the request loggers once."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQueryStrings) for f in logger.filters):
            logger.addFilter(RedactQueryStrings())
