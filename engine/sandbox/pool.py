"""A pool of sandbox worker processes that runs Code-node requests (the engine's `CodeRunner`).

Workers are started through multiprocessing's forkserver (spawn where there is none), so they
share no threads, sockets or memory with the host, and each runs `worker.serve` under OS limits
(address space, files, processes, core dumps). A request that outlives `timeout_s` gets its worker
SIGKILLed and replaced; so does a worker that runs out of memory or dies. Either way the call
fails with a SandboxError and the next call gets a fresh worker.

Messages are JSON objects (orjson), framed exactly like `multiprocessing.Connection.send_bytes`
(a 4-byte big-endian length, or -1 then an 8-byte length). The host only ever *decodes JSON*
from a worker and never unpickles anything it sends: code that subverted a worker still cannot
make the host run code. The host reads with asyncio streams, so waiting never blocks the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import logging
import multiprocessing
import signal
import socket
import struct
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

import orjson

from ..errors import NodeError, SandboxError
from . import worker as worker_module
from .worker import encode  # requests are converted the way the worker converts its answers

log = logging.getLogger(__name__)

Callback = Callable[[str, list[Any]], Any]
_SIZE = struct.Struct("!i")
_LONG_SIZE = struct.Struct("!Q")
_STREAM_LIMIT = 4 * 2**20
_BIG_MESSAGE = 2**20  # decode bigger answers with the garbage collector paused


class WorkerGone(Exception):
    """The worker hung up (it died, or was killed)."""


class BadMessage(Exception):
    """The worker sent something that is not a JSON object."""


async def read_message(reader: asyncio.StreamReader, max_size: int = 2**31) -> dict[str, Any]:
    """One framed JSON object. Raises WorkerGone at end of stream, BadMessage if not JSON or
    longer than `max_size` (a worker cannot build an answer bigger than its memory limit)."""
    try:
        (size,) = _SIZE.unpack(await reader.readexactly(4))
        if size == -1:
            (size,) = _LONG_SIZE.unpack(await reader.readexactly(8))
        if not 0 <= size <= max_size:
            raise BadMessage(f"a message of {size:,} bytes")
        data = await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError) as error:
        raise WorkerGone() from error
    try:
        with _gc_paused(len(data) > _BIG_MESSAGE):
            message = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise BadMessage(f"not JSON: {error}") from None
    if not isinstance(message, dict):
        raise BadMessage(f"not a JSON object but {type(message).__name__}")
    return message


def frame(payload: bytes) -> list[bytes]:
    """The header and payload `Connection.recv_bytes` expects."""
    if len(payload) > 0x7FFFFFFF:
        return [_SIZE.pack(-1), _LONG_SIZE.pack(len(payload)), payload]
    return [_SIZE.pack(len(payload)), payload]


class _Worker:
    """One running worker process and the host's end of its socket."""

    def __init__(
        self, process: BaseProcess, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.pid = process.pid
        self.limits: dict[str, Any] = {}

    def alive(self) -> bool:
        # The loop reads a dead worker's end of stream at once; no need to poll the process.
        return not self.reader.at_eof()

    async def send(self, payload: bytes) -> None:
        try:
            self.writer.writelines(frame(payload))
            await self.writer.drain()
        except ConnectionError as error:
            raise WorkerGone() from error

    def kill(self) -> None:
        """SIGKILL now; `reap` collects the exit status later."""
        self.writer.close()
        with contextlib.suppress(ValueError, OSError):
            if self.process.exitcode is None:
                self.process.kill()

    async def reap(self, grace_s: float = 0.0) -> int | None:
        """Wait for the process to end (killing it after `grace_s`), release it, return its exit code."""
        self.writer.close()
        await asyncio.to_thread(self.process.join, grace_s)
        if self.process.exitcode is None:
            self.kill()
            await asyncio.to_thread(self.process.join, 10.0)
        code = self.process.exitcode
        if code is not None:
            self.process.close()
        return code


class _Slot:
    """A place for one worker; slots, not workers, queue up for requests."""

    def __init__(self) -> None:
        self.worker: _Worker | None = None
        self.busy = False


class SandboxPool:
    """Runs Code-node requests in `workers` isolated processes (see the module docstring)."""

    def __init__(
        self, workers: int = 1, memory_mb: int = 512, timeout_s: float = 30.0, start_timeout_s: float = 30.0
    ):
        if workers < 1:
            raise ValueError("a sandbox pool needs at least one worker")
        self.workers = workers
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self._context = _process_context()
        self._slots = [_Slot() for _ in range(workers)]
        self._idle: asyncio.Queue[_Slot] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start_lock: asyncio.Lock | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._closed = False

    async def __aenter__(self) -> SandboxPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def worker_pids(self) -> list[int]:
        """Process ids of the running workers (for health pages and tests)."""
        return [slot.worker.pid for slot in self._slots if slot.worker is not None and slot.worker.pid]

    async def start(self) -> None:
        """Start every worker and wait until each is ready. Raises SandboxError.

        The pool then belongs to the running event loop (its pipes are that loop's streams)."""
        self._check_loop()
        if self._start_lock is None:
            self._loop = asyncio.get_running_loop()
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._idle is not None:
                return
            if self._closed:
                raise SandboxError("The sandbox pool is closed")
            await asyncio.to_thread(_ensure_forkserver, self._context)
            workers = await asyncio.gather(*(self._launch() for _ in self._slots), return_exceptions=True)
            failure = next((w for w in workers if isinstance(w, BaseException)), None)
            if failure is not None:
                await asyncio.gather(*(w.reap() for w in workers if isinstance(w, _Worker)))
                raise failure
            idle: asyncio.Queue[_Slot] = asyncio.Queue()
            self._idle = idle
            for slot, started in zip(self._slots, workers, strict=True):
                slot.worker = started  # type: ignore[assignment]
                self._release(slot)

    async def run(self, request: Mapping[str, Any], callback: Callback) -> Mapping[str, Any]:
        """Run one request in a free worker and return the worker's answer.

        Errors of the user code come back in the answer (`{"error": {...}}`); raises SandboxError
        when the code timed out, ran out of memory or killed its worker (which is then replaced).
        `callback(name, args)` (sync or async) answers the worker's questions for the parent's data.
        """
        if self._idle is None:
            await self.start()
        self._check_loop()
        try:
            payload = encode(dict(request))
        except TypeError as error:
            raise SandboxError(f"The Code node's input can't be sent to the sandbox: {error}") from None
        assert self._idle is not None
        slot = await self._idle.get()
        slot.busy = True
        try:
            if self._closed:
                raise SandboxError("The sandbox pool is closed")
            if slot.worker is None or not slot.worker.alive():
                if slot.worker is not None:
                    self._track(slot.worker.reap())
                slot.worker = None
                slot.worker = await self._launch()
        except BaseException:
            self._release(slot)
            raise
        return await self._run_in(slot, slot.worker, payload, callback)

    def _check_loop(self) -> None:
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            raise SandboxError("This sandbox pool was started by another event loop; use one pool per loop")

    async def close(self) -> None:
        """Stop every worker (a busy one is killed at once) and wait until they are gone."""
        self._closed = True
        for slot in self._slots:
            if slot.busy and slot.worker is not None:
                slot.worker.kill()
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        workers = [slot.worker for slot in self._slots if slot.worker is not None]
        for slot in self._slots:
            slot.worker = None
        # An idle worker exits as soon as it reads the end of its pipe.
        await asyncio.gather(*(w.reap(grace_s=2.0) for w in workers), return_exceptions=True)

    async def _run_in(
        self, slot: _Slot, worker: _Worker, payload: bytes, callback: Callback
    ) -> Mapping[str, Any]:
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._exchange(worker, payload, callback)
        except TimeoutError:
            self._replace(slot)
            raise SandboxError(
                f"Code ran longer than {self.timeout_s:g} s and was stopped",
                description="The sandbox worker running it was killed and replaced. Look for endless loops.",
            ) from None
        except WorkerGone:
            code = await asyncio.shield(self._replace(slot))  # the exit status says what happened
            raise SandboxError(self._death_message(code)) from None
        except BadMessage as error:
            self._replace(slot)
            raise SandboxError(
                f"The sandbox worker sent an invalid message ({error}); it was replaced"
            ) from None
        except BaseException:  # cancelled mid-request: the worker's state is unknown
            self._replace(slot)
            raise
        if answer.get("fatal"):
            self._replace(slot)
            raise SandboxError(
                f"Code ran out of memory (limit {self.memory_mb} MB)",
                description="The sandbox worker was replaced. Process fewer items at once, or keep less data in memory.",
            )
        self._release(slot)
        return answer

    async def _exchange(self, worker: _Worker, payload: bytes, callback: Callback) -> dict[str, Any]:
        await worker.send(payload)
        while True:
            message = await read_message(worker.reader, self.memory_mb * 2**20)
            if "callback" not in message:
                return message
            await worker.send(await _answer_callback(callback, message))

    def _death_message(self, exit_code: int | None) -> str:
        if self._closed:
            return "The sandbox pool was closed while the code ran"
        if exit_code == -signal.SIGKILL:
            return f"Code was killed while running; it probably ran out of memory (limit {self.memory_mb} MB)"
        if exit_code is not None and exit_code < 0:
            return f"Code crashed the sandbox worker ({signal.Signals(-exit_code).name})"
        return f"The sandbox worker stopped unexpectedly (exit code {exit_code})"

    def _release(self, slot: _Slot) -> None:
        assert self._idle is not None
        slot.busy = False
        self._idle.put_nowait(slot)

    def _replace(self, slot: _Slot) -> asyncio.Future[int | None]:
        """Kill the slot's worker and start a new one in the background, then free the slot.
        Returns the old worker's exit status, to come."""
        old = slot.worker
        slot.worker = None
        self._track(self._refill(slot))
        if old is None:
            done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return done
        old.kill()
        return self._track(old.reap())

    async def _refill(self, slot: _Slot) -> None:
        try:
            if not self._closed:
                slot.worker = await self._launch()
        except Exception as error:  # the next request on this slot retries and reports
            log.warning("could not start a sandbox worker: %s", error)
        finally:
            self._release(slot)

    def _track(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _launch(self) -> _Worker:
        """Start one worker process and wait for its hello. Raises SandboxError."""
        host_end, worker_end = socket.socketpair()
        worker_conn = Connection(worker_end.detach())
        process = self._context.Process(  # type: ignore[attr-defined]
            target=worker_module.serve,
            args=(worker_conn, self.memory_mb),
            name="knotwork-sandbox",
            daemon=True,
        )
        try:
            with _parent_main_hidden():
                process.start()
        except BaseException:
            host_end.close()
            raise
        finally:
            worker_conn.close()
        reader, writer = await asyncio.open_unix_connection(sock=host_end, limit=_STREAM_LIMIT)
        started = _Worker(process, reader, writer)
        try:
            async with asyncio.timeout(self.start_timeout_s):
                hello = await read_message(reader, 2**16)
        except BaseException as error:
            self._track(started.reap())
            if isinstance(error, (TimeoutError, WorkerGone, BadMessage)):
                raise SandboxError(f"The sandbox worker did not start ({type(error).__name__})") from None
            raise
        started.limits = dict(hello.get("limits") or {})
        if started.limits.get("as") is None:
            log.warning("sandbox worker %s runs without a memory limit on this system", started.pid)
        return started


async def _answer_callback(callback: Callback, message: dict[str, Any]) -> bytes:
    """The parent's reply to a worker's question; failures become `{"error": text}`."""
    try:
        result = callback(str(message["callback"]), list(message.get("args") or []))
        if inspect.isawaitable(result):
            result = await result
        return encode({"result": result})
    except Exception as error:  # the user code sees it as an ExpressionError
        text = error.message if isinstance(error, NodeError) else str(error)
        return encode({"error": text or type(error).__name__})


def _process_context() -> BaseContext:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # The fork server imports the worker once; every worker then starts as a cheap fork of it.
        context.set_forkserver_preload([worker_module.__name__])
    return context


def _ensure_forkserver(context: BaseContext) -> None:
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


@contextlib.contextmanager
def _parent_main_hidden() -> Iterator[None]:
    """multiprocessing re-runs the parent's `__main__` script in every new child so functions
    defined there can be unpickled. Our target lives in an importable module, and re-running the
    host's entry point (the web app) inside a sandbox must never happen: hide it while launching."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


@contextlib.contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
