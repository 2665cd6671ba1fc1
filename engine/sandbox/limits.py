"""Resource guards for user code that runs inside the host process (expressions).

The Code node runs in a separate process with OS limits; expressions run in-process for speed, so
they get these instead: operators and builtins that can multiply memory (`*`, `**`, `<<`, `%`,
`str.ljust`, `bytes(n)`, `range`) check the size they would produce, and every loop a restricted
code object runs (comprehensions) checks a deadline and the process's memory growth.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

# Outside a budget sizes are capped strictly (in-process code); the Code-node worker process,
# which has OS limits, raises the cap with `set_default_max_size` when it starts.
DEFAULT_MAX_SIZE = 1_000_000


class ResourceLimitError(Exception):
    """User code asked for more time or memory than it may use."""


class _Budget(threading.local):
    deadline: float | None = None
    max_size: int = DEFAULT_MAX_SIZE
    max_growth: int = 0
    rss_limit: int | None = None  # measured lazily, on the first check inside a budget
    seconds: float = 0.0


_budget = _Budget()
_PAGE_SIZE = 4096


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except OSError:  # not Linux: the size guards still apply
        return 0


class budget:  # noqa: N801 - used like a function: `with budget(...):`
    """Limit the restricted code run inside this block (per thread). Entering costs two
    attribute writes: expressions enter one per evaluation, so it must stay cheap."""

    __slots__ = ("_seconds", "_max_size", "_growth", "_saved")

    def __init__(self, seconds: float, max_size: int, max_memory_growth: int) -> None:
        self._seconds = seconds
        self._max_size = max_size
        self._growth = max_memory_growth

    def __enter__(self) -> None:
        state = _budget
        self._saved = (state.deadline, state.max_size, state.max_growth, state.rss_limit, state.seconds)
        state.deadline = time.monotonic() + self._seconds
        state.seconds = self._seconds
        state.max_size = self._max_size
        state.max_growth = self._growth
        state.rss_limit = None

    def __exit__(self, *exc: object) -> None:
        state = _budget
        state.deadline, state.max_size, state.max_growth, state.rss_limit, state.seconds = self._saved


def set_default_max_size(size: int) -> None:
    """The size cap outside a budget, for every thread of this process."""
    _Budget.max_size = size


def check_budget() -> None:
    """Called before loops, every 256 iterations and before big allocations inside a budget."""
    state = _budget
    if state.deadline is None:
        return
    if time.monotonic() > state.deadline:
        raise ResourceLimitError(f"took longer than {state.seconds:g} s")
    rss = _rss_bytes()
    if state.rss_limit is None:
        state.rss_limit = rss + state.max_growth if rss else None
    elif rss > state.rss_limit:
        raise ResourceLimitError("used too much memory")


def _check_size(size: int) -> None:
    if size > _budget.max_size:
        raise ResourceLimitError(f"result would hold {size:,} elements (limit {_budget.max_size:,})")
    if size > 65_536:
        check_budget()  # a big allocation, maybe one of many: look at memory before making it


def guarded_iter(obj: Any) -> Iterator[Any]:
    iterator = iter(obj)
    if _budget.deadline is None:
        return iterator
    return _budgeted(iterator)


def _budgeted(iterator: Iterator[Any]) -> Iterator[Any]:
    check_budget()  # also takes the memory baseline before the first loop of an evaluation
    for count, value in enumerate(iterator, 1):
        if not count & 255:
            check_budget()
        yield value


def _length(value: Any) -> int | None:
    if isinstance(value, (str, bytes, bytearray, list, tuple)):
        return len(value)
    return None


_NUMBERS = (int, float)


def guarded_mul(left: Any, right: Any) -> Any:
    if type(left) in _NUMBERS and type(right) in _NUMBERS:
        return left * right
    for seq, times in ((left, right), (right, left)):
        length = _length(seq)
        if length is not None and isinstance(times, int):
            _check_size(length * max(times, 0))
    return left * right


def guarded_pow(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        _check_size(abs(left).bit_length() * right // 8)
    return left**right


def guarded_lshift(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and left:
        _check_size(right // 8)
    return left << right


_PERCENT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d{7,})|%[-+ #0]*\d*\.(\*|\d{7,})")


def guarded_mod(left: Any, right: Any) -> Any:
    if isinstance(left, (str, bytes)) and _PERCENT_WIDTH.search(
        left if isinstance(left, str) else left.decode("latin-1")
    ):
        raise ResourceLimitError("%-format widths must be constants below 1,000,000")
    return left % right


def guarded_range(*args: int) -> range:
    result = range(*args)
    _check_size(len(result))
    return result


def guarded_bytes(*args: Any, **kwargs: Any) -> bytes:
    if args and isinstance(args[0], int):
        _check_size(args[0])
    return bytes(*args, **kwargs)


def guarded_format(value: Any, spec: str = "") -> str:
    if re.search(r"\d{7,}", spec):
        raise ResourceLimitError("format widths must be below 1,000,000")
    return format(value, spec)


def guarded_iter_builtin(obj: Any) -> Iterator[Any]:
    """`iter(x)` only: the two-argument form `iter(f, sentinel)` makes endless loops."""
    return iter(obj)


_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


def wrap_width_method(obj: Any, name: str, method: Any) -> Any:
    """`str.ljust(10**10)` and friends: check the width before allocating."""
    if name not in _WIDTH_METHODS or not isinstance(obj, (str, bytes, bytearray)):
        return method

    def checked(width: int = 8, *args: Any) -> Any:
        if isinstance(width, int):
            _check_size(width * (8 if name == "expandtabs" else 1) + len(obj))
        return method(width, *args)

    return checked


INPLACE_GUARDS = {"*=": guarded_mul, "**=": guarded_pow, "<<=": guarded_lshift, "%=": guarded_mod}
OPERATOR_GUARDS = {
    "_mul_": guarded_mul,
    "_pow_": guarded_pow,
    "_lshift_": guarded_lshift,
    "_mod_": guarded_mod,
}
BUILTIN_GUARDS = {
    "range": guarded_range,
    "bytes": guarded_bytes,
    "format": guarded_format,
    "iter": guarded_iter_builtin,
}
