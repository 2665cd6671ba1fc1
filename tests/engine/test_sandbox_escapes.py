"""Escape attempts against the Code-node sandbox: each must fail (at compile time or at run time,
for the reason the policy intends) and must leave the host untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_asyncio

from engine.errors import SandboxError
from engine.sandbox.pool import SandboxPool

ROOT = Path(__file__).resolve().parents[2]

COMPILE = "SyntaxError"  # rejected by the policy before anything runs

# (code, the error that must stop it). `{canary}` is a path that must never be created.
ATTACKS = [
    ("import os", "ImportError"),
    ("import os\nos.system('touch {canary}')", "ImportError"),
    ("import subprocess\nsubprocess.run(['touch', '{canary}'])", "ImportError"),
    ("import sys", "ImportError"),
    ("import string\nstring.Formatter().format('{{0.__class__}}', 1)", "ImportError"),
    ("import builtins", COMPILE),
    ("__import__('os').system('touch {canary}')", COMPILE),
    ("x = ().__class__.__base__.__subclasses__()", COMPILE),
    ("x = getattr(1, '__class__')", "NameError"),
    ("x = type(1).__mro__", COMPILE),
    ("eval('1')", COMPILE),
    ("exec('x = 1')", COMPILE),
    ("open('/etc/passwd').read()", "NameError"),
    ("open('{canary}', 'w').write('x')", "NameError"),
    ("x = '{{0.__class__}}'.format(1)", "NotImplementedError"),
    ("x = str.format('{{0.__class__}}', 1)", "NotImplementedError"),
    ("x = '{{x.__class__}}'.format_map({{'x': 1}})", "NotImplementedError"),
    ("x = string.Formatter", "NameError"),
    ("x = (x for x in []).gi_frame.f_back.f_globals", COMPILE),
    ("x = (x for x in []).gi_code", COMPILE),
    ("x = [].__class__", COMPILE),
    ("x = globals()", "NameError"),
    ("x = vars()", "NameError"),
    ("x = locals()", "NameError"),
    ("x = dir()", "NameError"),
    ("x = compile('1', 'x', 'eval')", "NameError"),
    ("breakpoint()", COMPILE),
    ("help()", "NameError"),
    ("input()", "NameError"),
    ("x = print.__self__", COMPILE),
    ("x = printed.__self__", COMPILE),
    ("f = lambda g=_getattr_: g(1, '__class__')\nf()", COMPILE),
    ("f = lambda p=print: p.__self__\nf()", COMPILE),
    ("def f(x=().__class__):\n    return x\nf()", COMPILE),
    ("try:\n    pass\nexcept* Exception:\n    pass", COMPILE),
    ("def f(_getattr_, /):\n    return _getattr_(1, '__class__')\nf(getattr)", COMPILE),
    ("global _getattr_\n_getattr_ = None", COMPILE),
    ("_write_ = None", COMPILE),
    ("x = __builtins__['__import__']", COMPILE),
    ("x = json.codecs", "AttributeError"),
    ("json.codecs.open('{canary}', 'w')", "AttributeError"),
    ("x = re.copyreg", "AttributeError"),
    ("x = re._compiler", COMPILE),
    ("x = datetime.datetime.__subclasses__()", COMPILE),
    ("x = math.__loader__", COMPILE),
    ("x = json.os.environ", "AttributeError"),
    ("x = re.os.environ", "AttributeError"),
    ("x = datetime.sys.modules", "AttributeError"),
    ("x = math.os.environ", "AttributeError"),
    ("x = _now.tzinfo.os", "AttributeError"),
    ("x = sys.modules", "NameError"),
    ("x = _input.__dict__", COMPILE),
    ("_input.__dict__['all'] = None", COMPILE),
    ("_input.all = None", "TypeError"),
    ("setattr(_input, 'all', None)", "TypeError"),
    ("x = _input._run", COMPILE),
    ("x = _item.__class__.__init__", COMPILE),
    ("def f():\n    pass\nx = f.__globals__", COMPILE),
    ("def f():\n    pass\nx = f.__code__", COMPILE),
    ("x = _input.all.__func__.__globals__", COMPILE),
    ("x = json.loads.__globals__", COMPILE),
    ("try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame", COMPILE),
    ("x = [].__reduce_ex__(2)", COMPILE),
    ("class A:\n    pass", "NameError"),
    ("x = type", "NameError"),
    ("x = object", "NameError"),
    ("x = memoryview(b'x')", "NameError"),
    ("x = iter(lambda: 1, 2)", "TypeError"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pool():
    sandbox = SandboxPool(workers=1, memory_mb=256, timeout_s=2.0)
    await sandbox.start()
    yield sandbox
    await sandbox.close()


def no_callback(name: str, args: list) -> None:
    raise AssertionError("escape attempts must not reach the parent")


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("attack", "stopped_by"), ATTACKS, ids=[code for code, _ in ATTACKS])
async def test_escape_attempt_fails_and_leaves_the_host_alone(pool, tmp_path, attack, stopped_by):
    canary = tmp_path / "canary"
    code = attack.format(canary=canary) + "\nreturn []"
    environment = dict(os.environ)
    try:
        answer = await pool.run({"code": code, "items": [{"json": {}}]}, no_callback)
    except SandboxError as error:  # a killed worker is a failure too, if an unexpected one
        pytest.fail(f"the worker died instead of refusing: {error}")
    assert "items" not in answer, answer
    assert answer["error"]["type"] == stopped_by, answer["error"]
    assert not canary.exists()
    assert dict(os.environ) == environment


def test_the_worker_module_imports_nothing_of_the_host():
    """Workers fork from a server that imported only the worker module: it must stay free of the
    engine, the nodes and anything else that holds the host's state."""
    probe = (
        "import sys\nbefore = set(sys.modules)\nimport engine.sandbox.worker\n"
        "print('\\n'.join(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    allowed = ("engine.sandbox", "RestrictedPython", "orjson")
    foreign = [m for m in loaded.stdout.split() if m != "engine" and not m.startswith(("_", *allowed))]
    assert foreign == []
