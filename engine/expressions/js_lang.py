"""JavaScript as the expression language (workflows imported from n8n): n8n's semantics in V8.

Templates are rendered by the JavaScript side (engine/js/prelude.js), which knows n8n's joining
rules and swallows ordinary runtime errors as n8n does. Evaluations are batched: the first time
a template is asked for in a node run it is evaluated for that item alone; the second time, for
that item and every later input item in one call (chunks of `CHUNK`), so a parameter costs one
call per node run, not one per item. Results stay cached for the node run (its DataProxy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..errors import ExpressionError
from ..js.bridge import JsCall
from ..js.rewrite import expression_code
from ..js.runtime import JsLimitError, runtime
from .proxy import DataProxy
from .template import TemplateSyntaxError, split_template

CHUNK = 10_000  # items per call: bounds the payload and lets each chunk have the whole time limit


@dataclass
class _RunCache:
    call: JsCall
    seen: dict[str, int] = field(default_factory=dict)
    results: dict[str, dict[int, list[Any]]] = field(default_factory=dict)


@lru_cache(maxsize=8192)
def parse_template(text: str) -> tuple[list[list[Any]], str | None]:
    """([[is_code, text], ...] ready for the prelude, syntax error or None) for a `=...` string."""
    try:
        segments = split_template(text[1:])
    except TemplateSyntaxError as error:
        return [], str(error)
    return [[is_code, expression_code(part) if is_code else part] for is_code, part in segments], None


class JavaScriptLanguage:
    name = "javascript"

    def compile(self, code: str) -> Any:  # the ExpressionLanguage protocol; templates go through evaluate_text
        return expression_code(code)

    def evaluate(self, compiled: Any, proxy: DataProxy) -> Any:
        raise NotImplementedError("JavaScript templates are evaluated whole by evaluate_text")

    def evaluate_text(self, text: str, proxy: DataProxy, *, node: str, parameter: str, timeout: float,
                      max_size: int, max_memory: int) -> Any:
        """The value of `=...` for `proxy.item_index`. Raises ExpressionError."""
        index = proxy.item_index
        cache = proxy.__dict__.get("_js_cache")
        if cache is not None and not proxy.extra:  # the batched case: one dict lookup per item
            known = cache.results.get(text)
            answer = known.get(index) if known is not None else None
            if answer is not None and answer[0] == 0:
                return answer[1]
        parts, problem = parse_template(text)
        if problem is not None:
            raise _error(problem, text, node, parameter, index, "syntax")
        if not any(is_code for is_code, _ in parts):
            return "".join(part for _, part in parts)
        cache = _run_cache(proxy)
        known = cache.results.get(text)
        if known is None or index not in known:
            known = cache.results.setdefault(text, {}) if not proxy.extra else {}
            count = len(proxy._input_items)
            batch = cache.seen.get(text, 0) > 0 and index < count and not proxy.extra
            indexes = list(range(index, min(count, index + CHUNK))) if batch else [index]
            cache.seen[text] = cache.seen.get(text, 0) + 1
            source = "".join(part for is_code, part in parts if is_code)
            try:
                js = runtime()
                cache.call.ensure_items(js, timeout, max_memory)
                payload = cache.call.payload(source, parts=parts, indexes=indexes, maxSize=max_size)
                answers = js.call("evaluate", payload, timeout=timeout, max_memory=max_memory)
            except JsLimitError as error:
                raise _error(f"Expression stopped: {error}", text, node, parameter, index, "limit") from None
            known.update(zip(indexes, answers, strict=True))
        return _value(known[index], text, node, parameter, index)


def _run_cache(proxy: DataProxy) -> _RunCache:
    cache = proxy.__dict__.get("_js_cache")
    if cache is None:
        cache = proxy.__dict__["_js_cache"] = _RunCache(JsCall(proxy))
    return cache


def _value(answer: list[Any], text: str, node: str, parameter: str, index: int) -> Any:
    """The value in a JS answer: [0, value], [1] (undefined -> None) or [2, error] (raised)."""
    if answer[0] == 0:
        return answer[1]
    if answer[0] == 1:
        return None
    detail = answer[1]
    kind = str(detail.get("type") or "runtime")
    message = str(detail.get("message") or "Expression failed")
    if kind in _JS_ERRORS and not message.startswith(kind):
        message = f"{kind}: {message}"  # a JavaScript error that n8n does not swallow
    error = _error(message, text, node, parameter, index, kind)
    error.description = detail.get("description") or None
    raise error


_JS_ERRORS = frozenset({"Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError", "URIError", "EvalError"})


def _error(message: str, text: str, node: str, parameter: str, index: int, kind: str) -> ExpressionError:
    return ExpressionError(message, node=node, parameter=parameter, expression=text, item_index=index,
                           error_type=kind)


JAVASCRIPT = JavaScriptLanguage()
