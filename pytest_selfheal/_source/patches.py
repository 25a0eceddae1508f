"""Source-level plumbing: finding functions in modules and describing changes as diffs.

The only module that imports :mod:`unidiff`. A *unit* is what healing rewrites and hot
reload swaps: a module-level function or a method of a (possibly nested) class. A
function nested inside another function belongs to its outermost enclosing unit,
because its code object only exists inside that unit's code.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from collections.abc import Iterator

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from pytest_selfheal.errors import PatchError, SourceError
from pytest_selfheal.models import FunctionRef

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def parse_module(source: str, path: str) -> ast.Module:
    """Parse ``source``; a syntax error becomes a :class:`SourceError` naming ``path``."""
    try:
        return ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        raise SourceError(f"cannot parse {path}: {exc}") from exc


@functools.lru_cache(maxsize=8)
def parsed_module(source: str, path: str) -> ast.Module:
    """:func:`parse_module`, remembered: every candidate of a heal is screened against
    the same original text. The tree is shared, so callers must not change it."""
    return parse_module(source, path)


def iter_units(tree: ast.Module) -> Iterator[tuple[str, FunctionNode]]:
    """Yield ``(qualname, node)`` for every unit of a module, in source order."""

    def walk(body: list[ast.stmt], prefix: str, local: bool = False
             ) -> Iterator[tuple[str, FunctionNode]]:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not local:
                yield prefix + node.name, node
                # A class made by a factory function: its methods are units of their own
                # (`make.<locals>.Checker.visit`), as their code objects are named.
                yield from walk(node.body, f"{prefix}{node.name}.<locals>.", local=True)
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.If | ast.Try | ast.With):
                # Definitions under `if TYPE_CHECKING:`, `try: ... except ImportError:`
                # and the like are still module-level names.
                for block in _blocks(node):
                    yield from walk(block, prefix, local)

    return walk(tree.body, "")


def _blocks(node: ast.If | ast.Try | ast.With) -> list[list[ast.stmt]]:
    if isinstance(node, ast.If):
        return [node.body, node.orelse]
    if isinstance(node, ast.With):
        return [node.body]
    return [node.body, *(handler.body for handler in node.handlers), node.orelse, node.finalbody]


def find_unit(tree: ast.Module, qualname: str) -> FunctionNode:
    """Return the unit called ``qualname``; :class:`SourceError` when there is none."""
    for name, node in iter_units(tree):
        if name == qualname:
            return node
    raise SourceError(f"no function {qualname!r} in module")


def unit_at_line(tree: ast.Module, lineno: int) -> tuple[str, FunctionNode] | None:
    """Return the innermost unit whose source spans ``lineno`` (a factory's class's
    method rather than the factory), or ``None`` (module-level code)."""
    found = None
    for name, node in iter_units(tree):
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
        if first <= lineno <= (node.end_lineno or node.lineno) and (
                found is None or first > found[1].lineno):
            found = name, node
    return found


def _without_body(tree: ast.Module, qualname: str) -> str | None:
    for name, node in iter_units(tree):
        if name == qualname:
            node.body = [ast.Pass()]
            return ast.dump(tree)
    return None


@functools.lru_cache(maxsize=32)
def _outline(text: str, qualname: str) -> str | None:
    # Cached: all candidates of a heal are compared with the same original text.
    return _without_body(ast.parse(text), qualname)


def is_function_swap(old: str, new: str, qualname: str) -> bool:
    """Whether ``new`` differs from ``old`` only in the body of unit ``qualname``.

    Such a change can be loaded into a running process by swapping the function's
    code object; any other change (signature, defaults, decorators, module-level code,
    another function) needs the module to be imported afresh.
    """
    if changed_unit(old, new, qualname) is not None:
        return True
    try:
        before = _outline(old, qualname)
        after = _without_body(ast.parse(new), qualname)
    except (SyntaxError, ValueError):
        return False
    return before is not None and before == after


@functools.lru_cache(maxsize=4)
def changed_unit(old: str, new: str, qualname: str) -> FunctionNode | None:
    """Unit ``qualname`` of ``new``, parsed on its own, when ``new`` keeps all of
    ``old``'s text but that unit's body; ``None`` otherwise (parse all of ``new``).

    Then nothing outside the body can mean anything new. Every candidate of a heal is
    checked against the same module, and parsing one function is much cheaper than
    parsing a large module for each candidate. Remembered, as screening a candidate and
    choosing how to run it both ask about the same text: the tree is shared, so callers
    must not change it.
    """
    found = _new_unit(old, new, qualname, same_head=True)
    if found is None:
        return None
    text, start = found
    indented = old[start:start + 1] in (" ", "\t")
    try:
        # Under `if 1:` an indented method parses as it is; a line that leaves its
        # indentation would end the block and show up as a second statement.
        tree = ast.parse("if 1:\n" + text if indented else text)
    except (SyntaxError, ValueError):
        return None
    body = tree.body
    if indented and len(body) == 1 and isinstance(body[0], ast.If) and not body[0].orelse:
        body = body[0].body
    if len(body) != 1 or not isinstance(body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    return body[0] if body[0].name == qualname.rpartition(".")[2] else None


def unit_text(old: str, new: str, qualname: str) -> tuple[str, int] | None:
    """The text of unit ``qualname`` in ``new`` (decorators included) and the line it
    starts on, when ``new`` keeps all of ``old``'s text outside that unit; ``None``
    otherwise.

    Compiling that text alone gives the unit's new code: a fork judging a candidate of
    a large module (6,000 lines) would otherwise compile all of it, for 40 ms.
    """
    found = None if "\r" in old and "\n" not in old else _new_unit(old, new, qualname)
    if found is None:
        return None
    text, start = found
    return text, old.count("\n", 0, start) + 1


def _new_unit(old: str, new: str, qualname: str, same_head: bool = False
              ) -> tuple[str, int] | None:
    """The text of unit ``qualname`` in ``new`` and where it starts in both, when
    ``new`` keeps all of ``old``'s text before the unit (before its body, with
    ``same_head``) and after it; ``None`` otherwise."""
    span = _unit_span(old, qualname)
    if span is None:
        return None
    start, body_start, end = span
    head = body_start if same_head else start
    tail = len(old) - end
    if len(new) < head + tail or not (new.startswith(old[:head]) and new.endswith(old[end:])):
        return None
    return new[start:len(new) - tail], start


#: What may follow a unit's last token on its line for the unit to end there.
_LINE_END = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\r|$)")


@functools.lru_cache(maxsize=32)
def _unit_span(text: str, qualname: str) -> tuple[int, int, int] | None:
    """String offsets of unit ``qualname``'s first line (decorators included), of the
    start of its body, and of its end; ``None`` when the unit is not alone on its lines."""
    try:
        unit = find_unit(parse_module(text, "<module>"), qualname)
    except SourceError:
        return None
    if unit.end_lineno is None or unit.end_col_offset is None:
        return None
    starts = [0]
    starts.extend(match.end() for match in re.finditer(r"\r\n|\r|\n", text))

    def offset(line: int, column: int) -> int:
        # Columns count UTF-8 bytes.
        line_start = starts[line - 1]
        line_text = text[line_start:starts[line] if line < len(starts) else len(text)]
        return line_start + len(line_text.encode()[:column].decode(errors="ignore"))

    first = min([unit.lineno, *(d.lineno for d in unit.decorator_list)])
    start = starts[first - 1]
    body = offset(unit.body[0].lineno, unit.body[0].col_offset)
    end = offset(unit.end_lineno, unit.end_col_offset)
    alone = text[start:].lstrip(" \t").startswith(("@", "def", "async"))
    if not alone or not _LINE_END.match(text, end):
        return None  # `class A: def f(self): ...` or `def f(): ...; x = 1`
    return start, body, end


def function_ref(path: str, qualname: str, node: FunctionNode) -> FunctionRef:
    """Describe ``node`` of module ``path`` as a :class:`FunctionRef`."""
    return FunctionRef(
        path=path, qualname=qualname, lineno=node.lineno, end_lineno=node.end_lineno or node.lineno
    )


def unified_diff(old: str, new: str, path: str) -> str:
    """Return the ``git diff``-style unified diff that turns ``old`` into ``new``."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
    return text


def diff_size(diff: str) -> int:
    """Count the lines a unified diff adds plus the lines it removes."""
    if not diff:
        return 0
    try:
        patch = PatchSet(diff)
    except UnidiffParseError as exc:
        raise PatchError(f"not a unified diff: {exc}") from exc
    return sum(patched.added + patched.removed for patched in patch)


_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$")


def _recount_hunks(diff: str, path: str) -> str:
    """``diff`` with file headers added where missing and hunk line counts recomputed.

    Models write hunk headers by hand and often miscount; the counts are redundant
    with the hunk body, which is what they meant.
    """
    lines = diff.splitlines()
    if not any(line.startswith("--- ") for line in lines):
        lines = [f"--- a/{path}", f"+++ b/{path}", *lines]
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _HUNK_HEADER.match(lines[index])
        if match is None:
            out.append(lines[index])
            index += 1
            continue
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].startswith(("@@ ", "--- ", "diff ")):
            line = lines[index]
            body.append(line if line[:1] in ("+", "-", " ", "\\") else " " + line)
            index += 1
        while body and body[-1].strip() == "":
            body.pop()  # blank lines a model left after its last hunk
        old = sum(1 for line in body if line[:1] in ("-", " "))
        new = sum(1 for line in body if line[:1] in ("+", " "))
        out.append(f"@@ -{match[1]},{old} +{match[2]},{new} @@{match[3]}")
        out.extend(body)
    return "\n".join(out) + "\n"


def diff_files(diff: str, path: str) -> list[str]:
    """The files a unified diff changes (``path`` when it names none)."""
    try:
        return [patched.path for patched in PatchSet(_recount_hunks(diff, path))]
    except UnidiffParseError as exc:
        raise PatchError(f"not a unified diff: {exc}") from exc


def apply_unified_diff(source: str, diff: str, path: str) -> str:
    """Apply a unified diff of one file to ``source``.

    Hunks are placed by their content, not their line numbers (which models get
    wrong), comparing lines without trailing whitespace; the hunk nearest its stated
    line wins when its content occurs more than once.

    :raises PatchError: when the diff does not parse or a hunk's lines are not in
        ``source``.
    """
    try:
        patch = PatchSet(_recount_hunks(diff, path))
    except UnidiffParseError as exc:
        raise PatchError(f"not a unified diff: {exc}") from exc
    lines = source.splitlines(keepends=True)
    newline = "\r\n" if source.endswith("\r\n") else "\n"
    for patched in patch:
        cursor = 0
        for hunk in patched:
            old = [line.value.rstrip() for line in hunk if line.is_context or line.is_removed]
            new = [line.value.rstrip("\r\n") + newline
                   for line in hunk if line.is_context or line.is_added]
            stripped = [line.rstrip() for line in lines]
            starts = [start for start in range(cursor, len(lines) - len(old) + 1)
                      if stripped[start:start + len(old)] == old]
            if not starts:
                first = old[0] if old else ""
                raise PatchError(f"a hunk of the diff does not match the code (near {first!r}); "
                                 "diff against the code exactly as shown")
            start = min(starts, key=lambda s: abs(s + 1 - hunk.source_start))
            lines[start:start + len(old)] = new
            cursor = start + len(new)
    return "".join(lines)
