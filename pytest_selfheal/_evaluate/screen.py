"""Static screening: refuse a candidate that reaches for something its original did not.

Before a candidate runs, the function it rewrites is compared with the original: a
candidate that adds a call which spawns processes, deletes or writes files, opens
sockets, evaluates code, loads native code or imports dynamically, inspects stack
frames, reads test files or looks at ``PYTEST_CURRENT_TEST`` (ways to detect the test
and game it) is rejected with the reason, without running. Calls the original already
made are allowed as many times as it made them.
"""

from __future__ import annotations

import ast
import functools
from collections import Counter
from collections.abc import Collection, Iterable

from pytest_selfheal._evaluate.allowlist import screen_model_code
from pytest_selfheal._source.patches import changed_unit, find_unit, parse_module, parsed_module
from pytest_selfheal.errors import SourceError
from pytest_selfheal.models import Candidate

#: Dotted call prefixes and what using them means.
DANGEROUS_CALLS: dict[str, str] = {
    "subprocess.": "spawns a process",
    "os.system": "spawns a process",
    "os.popen": "spawns a process",
    "os.exec": "spawns a process",
    "os.spawn": "spawns a process",
    "os.posix_spawn": "spawns a process",
    "os.fork": "spawns a process",
    "os.forkpty": "spawns a process",
    "pty.": "spawns a process",
    "multiprocessing.": "spawns a process",
    "os.kill": "sends signals to processes",
    "os.killpg": "sends signals to processes",
    "signal.": "handles or sends signals",
    "os._exit": "ends the process",
    "os.abort": "ends the process",
    "os.remove": "deletes files",
    "os.unlink": "deletes files",
    "os.rmdir": "deletes files",
    "os.removedirs": "deletes files",
    "shutil.rmtree": "deletes files",
    "shutil.move": "moves files",
    "os.rename": "moves files",
    "os.renames": "moves files",
    "os.replace": "moves files",
    "os.truncate": "writes files",
    "os.write": "writes files",
    "os.chmod": "changes file permissions",
    "os.chown": "changes file owners",
    "shutil.copy": "writes files",
    "socket.": "opens network connections",
    "urllib.": "opens network connections",
    "http.": "opens network connections",
    "ftplib.": "opens network connections",
    "smtplib.": "opens network connections",
    "requests.": "opens network connections",
    "httpx.": "opens network connections",
    "asyncio.open_connection": "opens network connections",
    "eval": "evaluates code",
    "exec": "evaluates code",
    "compile": "evaluates code",
    "__import__": "imports dynamically",
    "importlib.": "imports dynamically",
    "ctypes.": "loads native code",
    "cffi.": "loads native code",
    "sys._getframe": "inspects stack frames",
    "sys.settrace": "inspects stack frames",
    "sys.setprofile": "inspects stack frames",
    "inspect.currentframe": "inspects stack frames",
    "inspect.stack": "inspects stack frames",
    "inspect.getouterframes": "inspects stack frames",
    "inspect.trace": "inspects stack frames",
    "traceback.extract_stack": "inspects stack frames",
    "globals": "reads or rewrites module globals",
}

#: Method names that change files whatever object they are called on (pathlib).
DANGEROUS_METHODS = {
    "unlink": "deletes files",
    "rmdir": "deletes files",
    "write_text": "writes files",
    "write_bytes": "writes files",
    "touch": "writes files",
    "chmod": "changes file permissions",
}


def _by_head(calls: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for prefix, meaning in calls.items():
        grouped.setdefault(prefix.split(".", 1)[0], []).append((prefix, meaning))
    return grouped


#: :data:`DANGEROUS_CALLS` by the name before the first dot, in the same order: a call's
#: name can only match the prefixes of its own first name.
_CALLS_BY_HEAD = _by_head(DANGEROUS_CALLS)

#: Attributes that reach into stack frames.
FRAME_ATTRIBUTES = frozenset({"f_back", "f_locals", "f_globals", "f_code", "tb_frame",
                              "gi_frame", "cr_frame"})

#: Text whose appearance in a candidate means it is looking for the test harness.
TEST_MARKERS = ("PYTEST_CURRENT_TEST", "pytest", "conftest", "test_")


def _aliases(statements: Iterable[ast.AST]) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _open_writes(call: ast.Call) -> bool:
    mode: ast.expr | None = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(flag in mode.value for flag in "wax+")
    return True  # a mode computed at run time may be anything


def risky_operations(unit: ast.AST, module: ast.Module) -> Counter[str]:
    """Count what the function does that screening cares about, by reason and name."""
    # One walk of the unit (walking is most of the cost of screening a candidate).
    imports: list[ast.AST] = []
    looked_at: list[ast.AST] = []
    for node in ast.walk(unit):
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
        elif isinstance(node, ast.Call | ast.Attribute | ast.Constant):
            looked_at.append(node)
    # Imports the unit can see: the module's top level and its own body, not what
    # other functions import for themselves (walking those for every candidate is slow).
    aliases = _aliases([*module.body, *imports])
    found: Counter[str] = Counter()
    for node in looked_at:
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name is not None:
                for prefix, meaning in _CALLS_BY_HEAD.get(name.split(".", 1)[0], ()):
                    # Builtins match exactly (eval, not evaluate); dotted names by prefix
                    # (os.exec matches os.execv, socket. matches socket.create_connection).
                    if name == prefix or ("." in prefix and name.startswith(prefix)):
                        found[f"calls {name}, which {meaning}"] += 1
                        break
                if name in ("open", "io.open", "builtins.open") and _open_writes(node):
                    found["opens a file for writing"] += 1
            if isinstance(node.func, ast.Attribute) and node.func.attr in DANGEROUS_METHODS:
                found[f"calls .{node.func.attr}(), which "
                      f"{DANGEROUS_METHODS[node.func.attr]}"] += 1
        elif isinstance(node, ast.Attribute) and node.attr in FRAME_ATTRIBUTES:
            found[f"reads .{node.attr}, which inspects stack frames"] += 1
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for marker in TEST_MARKERS:
                if marker in node.value:
                    found[f"mentions {marker!r}, which looks for the tests"] += 1
    return found


@functools.lru_cache(maxsize=32)
def _risks_of(source: str, path: str, qualname: str) -> Counter[str]:
    # Cached: every candidate of a heal is compared with the same original.
    module = parsed_module(source, path)
    try:
        unit = find_unit(module, qualname)
    except SourceError:
        return Counter()  # a function the candidate adds: everything risky is new
    return risky_operations(unit, module)


def screen(original_source: str, candidate: Candidate, *, model_written: bool = False,
           project_modules: Collection[str] = ()) -> str:
    """``""`` when ``candidate`` may run, else why it is rejected.

    :param model_written: the candidate comes from a model's reply (or an edit of one):
        its new code is also held to the allowlist of
        :mod:`~pytest_selfheal._evaluate.allowlist`.
    :param project_modules: top-level names of the project's packages, which model code
        may import.
    """
    qualname = candidate.function.qualname
    try:
        before = _risks_of(original_source, candidate.function.path, qualname)
        unit = changed_unit(original_source, candidate.source, qualname)
        if unit is not None and not model_written:
            # The rest of the module, imports included, is the original's.
            module = parsed_module(original_source, candidate.function.path)
        else:
            module = parse_module(candidate.source, candidate.function.path)
            unit = find_unit(module, qualname)
        after = risky_operations(unit, module)
        if model_written:
            why = screen_model_code(parsed_module(original_source, candidate.function.path),
                                    module, project_modules)
            if why:
                return why
    except SourceError as exc:
        return f"rejected: {exc}"
    added = sorted(reason for reason, count in after.items() if count > before[reason])
    if added:
        return f"rejected by screening: {added[0]} (the original did not)"
    return ""
