"""JSON log lines; each record carries the id of the request (and user) it belongs to."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from core.request_context import current_request_id, current_user_id

# Attributes every LogRecord has; anything else passed in `extra=` is emitted as a field.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        if not getattr(record, "user_id", None):
            record.user_id = current_user_id()
        return True


# A URL's query (and fragment): where search terms and tokens travel. The path is kept.
_URL_QUERY = re.compile(r"(?P<base>\bhttps?://[^\s?#'\"<>]+)[?#][^\s'\"<>)]*", re.IGNORECASE)


def redact_url_queries(text: str) -> str:
    return _URL_QUERY.sub(r"\g<base>?…", text)


class RedactUrlQueryFilter(logging.Filter):
    """Log lines never carry URL queries: a library logging the URLs it fetched would
    otherwise put users' search queries (or keys in query strings) into the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_url_queries(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_url_queries(text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and value is not None:
                entry[key] = value
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        elif record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
