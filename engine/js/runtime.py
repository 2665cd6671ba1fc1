"""One V8 context (mini-racer) per thread, set up with Luxon, JMESPath and n8n's helpers.

A context is created lazily on first use in a thread (after any fork) and reused for every
call on that thread: creating one costs ~40 ms, a call ~0.1 ms plus the work. Every call runs
with a time limit and a memory limit; a context that ran out of memory or time is thrown away
and the next call builds a fresh one, so nothing a call did can outlive it.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import threading
import weakref
from importlib import resources
from typing import Any

from py_mini_racer import (
    DEFAULT_V8_FLAGS,
    JSEvalException,
    JSOOMException,
    JSPromise,
    JSTimeoutException,
    MiniRacer,
    init_mini_racer,
)

_CRYPTO_JS = tuple(f"vendor/crypto-js/{name}.js" for name in (
    "core", "x64-core", "md5", "sha1", "sha256", "sha224", "sha512", "sha384", "sha3", "ripemd160"))
_FILES = ("vendor/luxon.min.js", "vendor/jmespath.js", *_CRYPTO_JS, "hash.js", "extensions.js", "prelude.js")
_LAST = "harden.js"  # run after the prelude's functions are taken: removes `__kw`, freezes everything
_HEAP_BASE = 64 * 2**20  # what Luxon and the prelude take before any data arrives
# On a CPU with memory protection keys (PKU), V8 grants its pages' key to the thread that starts
# it (and threads it creates later); a second context made from any other thread then faults
# (SIGSEGV in JSDispatchTable, seen on an AMD EPYC with pku). Contexts are made from many threads
# here, so V8 must not use the keys.
_V8_FLAGS = (*DEFAULT_V8_FLAGS, "--no-memory-protection-keys")


class JsLimitError(Exception):
    """A call ran past its time or memory limit (the context was discarded)."""


def _source(names: tuple[str, ...]) -> str:
    folder = resources.files("engine.js")
    return "\n;\n".join(folder.joinpath(name).read_text(encoding="utf-8") for name in names)


_SOURCE: tuple[str, str] | None = None


class JsRuntime:
    """The calling thread's context. Not shared between threads."""

    def __init__(self) -> None:
        global _SOURCE
        if _SOURCE is None:
            _SOURCE = (_source(_FILES), _source((_LAST,)))
        self._racer = _new_racer()
        _ALL.add(self)
        self._racer.eval(_SOURCE[0])
        self._functions: dict[str, Any] = {name: self._racer.eval(f"__kw.{name}")
                                           for name in ("evaluate", "runCode", "loadItems")}
        self._racer.eval(_SOURCE[1])
        self.items_token: int | None = None  # whose input items the context holds now

    def call(self, function: str, payload: str, *, timeout: float, max_memory: int) -> Any:
        """`__kw.<function>(payload)` → the JSON it returns, decoded. Raises JsLimitError."""
        try:
            self._racer.set_hard_memory_limit(max_memory + _HEAP_BASE)
            answer = self._functions[function](payload, timeout_sec=timeout)
            if isinstance(answer, JSPromise):
                answer = answer.get(timeout=timeout)
        except JSTimeoutException:
            self._discard()
            raise JsLimitError(f"it ran longer than {timeout:g} s") from None
        except JSOOMException:
            self._discard()
            raise JsLimitError(f"it used more than {max_memory // 2**20} MB of memory") from None
        except TimeoutError:
            self._discard()
            raise JsLimitError(f"it ran longer than {timeout:g} s") from None
        except JSEvalException as error:  # the prelude catches user errors; this is ours or V8's
            if self._racer.was_hard_memory_limit_reached():
                self._discard()
                raise JsLimitError(f"it used more than {max_memory // 2**20} MB of memory") from None
            self._discard()
            raise JsLimitError(f"the JavaScript engine failed: {str(error).splitlines()[0]}") from None
        return json.loads(answer)

    def load_items(self, token: int, items_json: str, *, timeout: float, max_memory: int) -> None:
        try:
            self._racer.set_hard_memory_limit(max_memory + _HEAP_BASE)
            self._functions["loadItems"](token, items_json, timeout_sec=timeout)
        except (JSTimeoutException, JSOOMException, JSEvalException):
            self._discard()
            raise JsLimitError("the input items are too large for the JavaScript engine") from None
        self.items_token = token

    def _discard(self) -> None:
        if getattr(_local, "runtime", None) is self:
            _local.runtime = None
        _ALL.discard(self)
        # Closed a little later: V8 still reports the interrupted call to the context's loop.
        _RETIRED.append(self._racer)
        while len(_RETIRED) > 4:
            _close(_RETIRED.pop(0))


def _new_racer() -> MiniRacer:
    """A MiniRacer with its own event-loop thread: built from a thread with no running asyncio
    loop, it never borrows the caller's loop (whose thread it would then block without a
    timeout)."""
    init_mini_racer(flags=_V8_FLAGS, ignore_duplicate_init=True)  # the first call starts V8
    box: list[MiniRacer] = []
    maker = threading.Thread(target=lambda: box.append(MiniRacer()), name="knotwork-js-setup")
    maker.start()
    maker.join()
    if not box:
        raise JsLimitError("the JavaScript engine could not start")
    return box[0]


_local = threading.local()
_ALL: weakref.WeakSet[JsRuntime] = weakref.WeakSet()


_RETIRED: list[MiniRacer] = []


def _close(racer: MiniRacer) -> None:
    with contextlib.suppress(Exception):  # a broken context only needs to go away
        racer.close()


@atexit.register
def _close_all() -> None:
    """Stop every context's loop thread before the interpreter tears down."""
    for js in list(_ALL):
        js._discard()
    while _RETIRED:
        _close(_RETIRED.pop())


def runtime() -> JsRuntime:
    """This thread's runtime (created on first use)."""
    current: JsRuntime | None = getattr(_local, "runtime", None)
    if current is None:
        current = _local.runtime = JsRuntime()
    return current
