"""Log lines: JSON objects (KNOTWORK_LOG_FORMAT=json) or text, both carrying the run's ids inside a run."""

from __future__ import annotations

import contextvars
import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from services.logs import JsonFormatter, RunContextFilter, TextFormatter, bind_run, configure_logging
from services.settings import load_settings


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, logging.StreamHandler[io.StringIO]]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RunContextFilter())
    logger = logging.getLogger("knotwork.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, handler
    finally:
        logger.removeHandler(handler)


def in_a_run(logger: logging.Logger, message: str) -> None:
    bind_run(42, "wf-abc")
    logger.warning(message, "x")


def test_json_lines_carry_the_execution_and_workflow_ids(captured) -> None:  # type: ignore[no-untyped-def]
    logger, handler = captured
    handler.setFormatter(JsonFormatter())

    contextvars.copy_context().run(in_a_run, logger, "node %s failed")
    logger.info("outside")
    lines = [orjson.loads(line) for line in handler.stream.getvalue().splitlines()]

    assert [{key: value for key, value in line.items() if key != "time"} for line in lines] == [
        {"level": "warning", "logger": "knotwork.test.logs", "message": "node x failed", "executionId": 42,
         "workflowId": "wf-abc"},
        {"level": "info", "logger": "knotwork.test.logs", "message": "outside"},
    ]
    assert lines[0]["time"].endswith("+00:00")


def test_json_lines_keep_a_traceback_in_one_field(captured) -> None:  # type: ignore[no-untyped-def]
    logger, handler = captured
    handler.setFormatter(JsonFormatter())
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("it broke")

    [line] = handler.stream.getvalue().splitlines()
    entry = orjson.loads(line)
    assert entry["message"] == "it broke" and "RuntimeError: boom" in entry["exception"]


def test_text_lines_name_the_run(captured) -> None:  # type: ignore[no-untyped-def]
    logger, handler = captured
    handler.setFormatter(TextFormatter())

    contextvars.copy_context().run(in_a_run, logger, "node %s failed")

    assert handler.stream.getvalue().rstrip().endswith(
        "WARNING knotwork.test.logs: node x failed [execution=42 workflow=wf-abc]")


def test_configure_logging_installs_one_handler_in_the_chosen_format() -> None:
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        configure_logging(load_settings({"KNOTWORK_LOG_FORMAT": "text"}))
        configure_logging(load_settings({"KNOTWORK_LOG_FORMAT": "json", "KNOTWORK_LOG_LEVEL": "warning"}))
        ours = [handler for handler in root.handlers if handler.get_name() == "knotwork"]
        assert len(ours) == 1 and isinstance(ours[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(level)
