"""Process logging: text or JSON lines (KNOTWORK_LOG_FORMAT) on stderr, with the execution and workflow
ids of the run a line comes from.

`bind_run(execution_id, workflow_id)` sets the ids in context variables for the code of one run
(services.executions does it as a run starts); every line logged inside it carries them, as JSON
fields or as a `[execution=… workflow=…]` suffix. Composition roots call `configure_logging(settings)`.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from .settings import Settings

_execution_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("knotwork_execution_id", default=None)
_workflow_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("knotwork_workflow_id", default=None)

_HANDLER_NAME = "knotwork"
# Loggers of libraries that configure their own handlers: route them through ours instead.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq")


def bind_run(execution_id: int, workflow_id: str) -> None:
    """Tag the log lines of the current context with this execution and workflow. Each run has an
    asyncio task of its own, so the ids last until the run ends and never leak into another run."""
    _execution_id.set(execution_id)
    _workflow_id.set(workflow_id)


class RunContextFilter(logging.Filter):
    """Copies the current run's ids onto each record (None outside a run)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.executionId = _execution_id.get()
        record.workflowId = _workflow_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the run's ids when
    there is one, and the traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in ("executionId", "workflowId"):
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        execution_id = getattr(record, "executionId", None)
        if execution_id is None:
            return line
        head, newline, rest = line.partition("\n")  # keep the ids on the message's line, not the traceback's
        return f"{head} [execution={execution_id} workflow={getattr(record, 'workflowId', '')}]{newline}{rest}"


def configure_logging(settings: Settings) -> None:
    """Send every log line of this process to stderr in the configured format and level.
    Calling it again (uvicorn's processes, tests) replaces Knotwork's handler, never adds a second."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RunContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for name in _LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
