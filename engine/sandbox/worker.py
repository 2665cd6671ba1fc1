"""The sandbox worker process: OS limits, the message loop and the JSON wire encoding.

`serve(conn, memory_mb)` is the process entry point (started by `pool.SandboxPool` through
multiprocessing's forkserver). It imports only the standard library, RestrictedPython, orjson and
this package's policy/limits/usercode/results modules — nothing that touches the host's state.

Protocol (each message one JSON object, framed by `Connection.send_bytes`):

    worker -> parent   {"ready": true, "pid": N, "limits": {...}}         once, at start
    parent -> worker   {"code", "mode", "items", "context", "continueOnFail"?}
    worker -> parent   {"callback": name, "args": [...]}                  zero or more times
    parent -> worker   {"result": value} | {"error": message}             one per callback
    worker -> parent   {"items": [...], "logs": [...]}                    the answer, or
                       {"error": {...}, "logs": [...], "fatal"?: true}

"fatal" means the worker ran out of memory and exits after answering.

Values user code returns that JSON lacks are converted here: datetime, date and time become ISO
8601 strings (with the UTC offset when aware), tuples lists, sets and frozensets lists (sorted
when their elements compare), bytes/bytearray/memoryview base64 strings, timedelta a number of
seconds, dict keys that are numbers/bools/None/dates strings, NaN and infinities null, integers
beyond 64 bits floats (or strings when even a float overflows). Anything else (functions,
generators, modules...) fails the run with an error naming the type.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

import orjson

from . import limits, usercode

_OPTIONS = orjson.OPT_NON_STR_KEYS
_MAX_FILES = 16
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_INT_RANGE = (-(2**63), 2**64 - 1)


def serve(conn: Connection, memory_mb: int) -> None:
    """Confine this process, say ready, then answer requests until the parent hangs up."""
    applied = _confine(conn.fileno(), memory_mb)
    conn.send_bytes(encode({"ready": True, "pid": os.getpid(), "limits": applied}))
    out_of_memory = encode(
        {"error": {"message": "out of memory", "type": "MemoryError"}, "logs": [], "fatal": True}
    )
    call_parent = _parent_caller(conn)
    while True:
        try:
            payload = _answer(conn.recv_bytes(), call_parent)
        except EOFError:
            return
        except MemoryError:
            payload = None  # leave the except block first: its traceback holds the big objects
        except Exception as error:  # a request this worker cannot handle: say so, keep serving
            message = f"The sandbox could not run the request: {type(error).__name__}: {error}"
            payload = encode({"error": {"message": message, "type": "SandboxError"}, "logs": []})
        if payload is None:
            conn.send_bytes(out_of_memory)
            return
        conn.send_bytes(payload)


def _answer(data: bytes, call_parent: usercode.CallParent) -> bytes:
    gc.disable()  # decoding builds many containers at once; collecting meanwhile is wasted work
    try:
        request = usercode.decode(data)
    finally:
        gc.enable()
    # Decoded JSON holds no reference cycles: keep the collector from scanning the request's
    # objects again and again while user code runs (reference counting still frees them).
    gc.freeze()
    try:
        answer = usercode.run_request(request, call_parent)
    finally:
        gc.unfreeze()  # cycles user code made with these objects stay collectable
    try:
        return encode(answer)
    except TypeError as error:  # orjson.JSONEncodeError is a TypeError
        message = f"Code returned a value that can't be converted to JSON: {error}"
        return encode({"error": {"message": message, "type": "TypeError"}, "logs": answer.get("logs", [])})


def _parent_caller(conn: Connection) -> usercode.CallParent:
    def call_parent(name: str, args: list[Any]) -> Any:
        conn.send_bytes(encode({"callback": name, "args": args}))
        try:
            reply = usercode.decode(conn.recv_bytes())
        except EOFError:
            os._exit(0)  # the parent is gone: nobody wants the answer
        if "error" in reply:
            raise usercode.ExpressionError(str(reply["error"]))
        return reply.get("result")

    return call_parent


def encode(value: Any) -> bytes:
    """JSON bytes for the parent, converting values as the module docstring says."""
    try:
        return orjson.dumps(value, default=to_json, option=_OPTIONS)
    except orjson.JSONEncodeError as error:
        if "64-bit" not in str(error):
            raise
        return orjson.dumps(_without_big_ints(value), default=to_json, option=_OPTIONS)


def to_json(value: Any) -> Any:
    """orjson's `default`: JSON for the non-JSON values user code commonly returns."""
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _without_big_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_big_ints(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_without_big_ints(inner) for inner in value]
    if isinstance(value, int) and not isinstance(value, bool) and not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
        try:
            return float(value)
        except OverflowError:
            return str(value)
    return value


def _confine(keep_fd: int, memory_mb: int) -> dict[str, Any]:
    """OS limits for this process; returns the limits that took effect (None: not permitted)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the host's terminal is the host's
    dies_with_parent = _die_with_parent()
    os.closerange(3, keep_fd)  # whatever the forkserver handed down besides our pipe
    os.closerange(keep_fd + 1, _open_file_limit())
    os.environ.clear()  # the host's secrets (database URLs, keys) live in its environment
    memory = memory_mb * 2**20
    # The OS limit stops real allocations; the size guards then only need to stop single
    # operations that could never fit (`"x" * 10**12`) before they ask for the memory.
    limits.set_default_max_size(memory)
    wanted = {
        "as": (resource.RLIMIT_AS, memory),
        "nofile": (resource.RLIMIT_NOFILE, max(_MAX_FILES, keep_fd + 8)),
        "nproc": (resource.RLIMIT_NPROC, 0),
        "core": (resource.RLIMIT_CORE, 0),
    }
    applied: dict[str, Any] = {}
    for name, (limit, value) in wanted.items():
        try:
            resource.setrlimit(limit, (value, value))
            applied[name] = value
        except (ValueError, OSError):  # e.g. RLIMIT_AS on macOS
            applied[name] = None
    applied["pdeathsig"] = int(signal.SIGKILL) if dies_with_parent else None
    return applied


def _die_with_parent() -> bool:
    """Linux: have the kernel SIGKILL this process when its parent exits; False elsewhere.

    A worker busy in user code never reads its pipe, so it would not notice a host killed with
    SIGKILL and would spin on as an orphan. Its parent is the fork server, which exits as soon as
    the host is gone (or the host itself, under spawn). Should the parent be gone already, so is
    the host: it never sends a request, and the worker ends at its pipe's end of stream.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _open_file_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if 0 < soft < 1 << 20 else 1 << 16
