"""JSON log lines, one object per line, each naming the request it belongs to (its correlation
id, services/kit/correlation.py), so a log store can gather one user action across processes."""

import json
import logging
import sys
from datetime import datetime, timezone

from services.kit.correlation import CORRELATION_ID, current


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, component, correlation_id (when
    there is one), message, and the exception's traceback when one is logged."""

    def __init__(self, component):
        super().__init__()
        self.component = component

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "component": self.component,
        }
        correlation_id = current()
        if correlation_id:
            line[CORRELATION_ID] = correlation_id
        line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(component, level=logging.INFO, stream=None):
    """Send every log line of this process to `stream` (stderr) as JSON."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(component))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
