"""Turning a model's reply into a candidate module text: tolerant, but loud.

Models answer in many shapes whatever the prompt asks: one or several fenced
functions, SEARCH/REPLACE blocks, unified diffs, code with no fence at all, prose
around the code, a method pasted at the wrong indentation. Each shape is applied when
its meaning is clear. When it is not (the code does not parse, a hunk does not match,
the function was renamed, a test was touched), the reply is refused with a
:class:`~pytest_selfheal.errors.ReplyError` whose message is written for the model:
the LLM engines send it back in the next round.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final

from pytest_selfheal.errors import PatchError, ReplyError, SourceError
from pytest_selfheal.patches import apply_unified_diff, diff_files, find_unit, parse_module

#: Longest reply parsed, checked before any parsing (the client caps replies the same).
MAX_REPLY_CHARS: Final = 200_000
_DIFF_LINE: Final = re.compile(r"^(--- |\+\+\+ |@@ -\d)", re.MULTILINE)
_CODE_START: Final = ("def ", "async def ", "@", "class ")


@dataclass(frozen=True)
class AppliedReply:
    """A reply that became a new module text.

    :param source: the whole new text of the module.
    :param code: the code taken from the reply, quoted back in later prompts.
    :param shape: ``fenced``, ``bare`` (code with no fence), ``search-replace`` or ``diff``.
    """

    source: str
    code: str
    shape: str


def is_test_path(path: str, test_files: Collection[str] = ()) -> bool:
    """Whether ``path`` is a test module or pytest configuration, which fixes may not touch."""
    name = path.rsplit("/", 1)[-1]
    return (path in test_files or name == "conftest.py" or name.startswith("test_")
            or name.endswith("_test.py") or name in ("pytest.ini", "tox.ini", "setup.cfg",
                                                     "pyproject.toml"))


def apply_reply(
    reply: str,
    module_source: str,
    path: str,
    qualname: str,
    *,
    test_files: Collection[str] = (),
    is_new: bool = False,
) -> AppliedReply:
    """Apply ``reply`` to the module ``path`` to rewrite (or, ``is_new``, add) ``qualname``.

    :raises ReplyError: with the reason, for the model, when the reply cannot be applied.
    """
    if not reply.strip():
        raise ReplyError("the reply was empty; answer with the whole function in a "
                         "```python block")
    if len(reply) > MAX_REPLY_CHARS:
        raise ReplyError(f"the reply has {len(reply):,} characters, more than the "
                         f"{MAX_REPLY_CHARS:,} read; answer with the function alone")
    edits = _search_replace_blocks(reply)
    if edits and not is_new:
        return _apply_search_replace(edits, module_source, path, qualname)
    diff = _diff_text(reply)
    if diff is not None and not is_new:
        return _apply_diff(diff, module_source, path, qualname, test_files)
    blocks = [body for language, body in _fences(reply)
              if language.lower() in ("", "python", "py", "python3")]
    shape = "fenced"
    if not blocks:
        bare = _bare_code(reply)
        if bare is None:
            raise ReplyError(f"the reply has no Python code in it; answer with the whole "
                             f"`{qualname.rsplit('.', 1)[-1]}` in a ```python block")
        blocks, shape = [bare], "bare"
    functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
    for block in blocks:
        functions.extend(_functions_of(_normalized(block)))
    return AppliedReply(source=_put_functions(functions, module_source, path, qualname,
                                              is_new=is_new),
                        code="\n\n".join(text for _, text in functions).strip(), shape=shape)


def _fences(reply: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, the last one possibly unclosed.

    Scanned with ``str.find``, each search starting where the last ended: linear in the
    length of the reply, however it is made (a regex with a lazy ``.*?`` is not).
    """
    found = []
    start = reply.find("```")
    while start >= 0:
        header_end = reply.find("\n", start + 3)
        if header_end < 0:
            break
        header = reply[start + 3:header_end].strip()
        language = header.split()[0] if header else ""
        if not all(c.isalnum() or c in "_+-" for c in language):
            language = ""
        end = reply.find("```", header_end + 1)
        found.append((language, reply[header_end + 1:] if end < 0 else reply[header_end + 1:end]))
        start = -1 if end < 0 else reply.find("```", end + 3)
    return found


def _marker(line: str, char: str, word: str) -> bool:
    """Whether ``line`` is a SEARCH/REPLACE marker: 5 to 9 ``char`` and ``word``."""
    count = len(line) - len(line.lstrip(char))
    return 5 <= count <= 9 and line[count:].lstrip(" ").startswith(word)


def _search_replace_blocks(reply: str) -> list[tuple[str, str]]:
    """(search, replacement) of each SEARCH/REPLACE block, in one pass over the lines."""
    blocks = []
    search: list[str] | None = None
    replacement: list[str] | None = None
    for line in reply.splitlines():
        if search is None:
            if _marker(line, "<", "SEARCH"):
                search = []
        elif replacement is None:
            if 5 <= len(line.rstrip()) <= 9 and set(line.rstrip()) == {"="}:
                replacement = []
            else:
                search.append(line)
        elif _marker(line, ">", "REPLACE"):
            blocks.append(("\n".join(search), "\n".join(replacement)))
            search = replacement = None
        else:
            replacement.append(line)
    return blocks


def _normalized(block: str) -> str:
    """``block`` dedented, with a body pasted deeper or shallower than its ``def`` fixed."""
    code = textwrap.dedent(block.expandtabs(4)).strip("\n")
    try:
        ast.parse(code)
        return code
    except SyntaxError as first_error:
        error = first_error
    # A method copied out of its class: the `def` line lost its indentation, the body kept
    # it. Re-indent everything after each unindented header by its own common margin.
    lines = code.splitlines()
    fixed: list[str] = []
    index = 0
    while index < len(lines):
        fixed.append(lines[index])
        if lines[index].startswith(("def ", "async def ")):
            end = index + 1
            while end < len(lines) and (not lines[end].strip() or lines[end][:1].isspace()):
                end += 1
            body = textwrap.dedent("\n".join(lines[index + 1:end]))
            fixed.extend(textwrap.indent(body, "    ").splitlines())
            index = end
        else:
            index += 1
    candidate = "\n".join(fixed)
    try:
        ast.parse(candidate)
    except SyntaxError:
        raise ReplyError(f"the code does not parse: {error.msg} (line {error.lineno} of the "
                         "code block); answer with valid Python") from error
    return candidate


def _bare_code(reply: str) -> str | None:
    """The code in a reply with no fences: from the first ``def`` to the first prose line."""
    lines = reply.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith(_CODE_START)
                  and not line.lstrip().startswith("@@")), None)
    if start is None:
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines):
        line = lines[end]
        margin = len(line) - len(line.lstrip())
        if line.strip() and margin <= indent and not line.lstrip().startswith(_CODE_START):
            break
        end += 1
    return "\n".join(lines[start:end])


def _functions_of(code: str) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    """The module-level functions of a code block (a class's methods count as functions
    named after their method), each with its source text."""
    tree = ast.parse(code)
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
    lines = code.splitlines()

    def text_of(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        return textwrap.dedent("\n".join(lines[first - 1:node.end_lineno]))

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append((node, text_of(node)))
        elif isinstance(node, ast.ClassDef):
            found.extend((item, text_of(item)) for item in node.body
                         if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef))
    return found


def _put_functions(
    functions: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]],
    module_source: str,
    path: str,
    qualname: str,
    *,
    is_new: bool,
) -> str:
    name = qualname.rsplit(".", 1)[-1]
    tests = [node.name for node, _ in functions if node.name.startswith("test_")]
    if tests:
        raise ReplyError(f"the reply writes the test {tests[0]}; tests may not be changed, "
                         f"fix `{name}` instead")
    wanted = [text for node, text in functions if node.name == name]
    if not wanted:
        if len(functions) == 1:
            raise ReplyError(f"the reply renames `{name}` to `{functions[0][0].name}`; keep the "
                             f"name `{name}`")
        raise ReplyError(f"the reply has no function `{name}`; answer with the whole "
                         f"`{name}` in a ```python block")
    tree = parse_module(module_source, path)
    lines = module_source.splitlines(keepends=True)
    newline = "\r\n" if module_source.endswith("\r\n") else "\n"
    if is_new:
        new_lines = _inserted(tree, lines, qualname, wanted[-1], newline)
    else:
        new_lines = _replaced(tree, lines, qualname, wanted[-1], newline)
    # Other functions of the reply: an existing one of the module is rewritten too; a
    # new helper goes before the top-level statement that holds the target.
    result = "".join(new_lines)
    for node, text in functions:
        if node.name == name:
            continue
        result = _with_helper(result, path, qualname, node.name, text, newline)
    try:
        find_unit(ast.parse(result), qualname)
    except (SyntaxError, SourceError) as exc:
        raise ReplyError(f"the function does not fit into {path}: {exc}") from exc
    return result


def _reindented(text: str, column: int, newline: str) -> list[str]:
    return [(" " * column + line if line.strip() else "").rstrip() + newline
            for line in text.splitlines()]


def _replaced(tree: ast.Module, lines: list[str], qualname: str, text: str,
              newline: str) -> list[str]:
    try:
        node = find_unit(tree, qualname)
    except SourceError as exc:
        raise ReplyError(f"`{qualname}` is no longer in the module: {exc}") from exc
    has_decorators = text.lstrip().startswith("@")
    first = (min([node.lineno, *(d.lineno for d in node.decorator_list)]) if has_decorators
             else node.lineno)
    end = node.end_lineno or node.lineno
    return [*lines[:first - 1], *_reindented(text, node.col_offset, newline), *lines[end:]]


def _inserted(tree: ast.Module, lines: list[str], qualname: str, text: str,
              newline: str) -> list[str]:
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines = [*lines[:-1], lines[-1] + newline]
    if "." not in qualname:
        return [*lines, newline, newline, *_reindented(text, 0, newline)]
    owner = qualname.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == owner.rsplit(".", 1)[-1]:
            end = node.end_lineno or node.lineno
            column = node.body[0].col_offset if node.body else node.col_offset + 4
            return [*lines[:end], newline, *_reindented(text, column, newline), *lines[end:]]
    raise ReplyError(f"there is no class {owner} to put `{qualname}` in")


def _with_helper(source: str, path: str, qualname: str, name: str, text: str,
                 newline: str) -> str:
    tree = parse_module(source, path)
    lines = source.splitlines(keepends=True)
    owner = qualname.rsplit(".", 1)[0] if "." in qualname else None
    existing = f"{owner}.{name}" if owner else name
    try:
        find_unit(tree, existing)
    except SourceError:
        pass
    else:
        return "".join(_replaced(tree, lines, existing, text, newline))
    top = qualname.split(".", 1)[0]
    holder = next((node for node in tree.body
                   if getattr(node, "name", None) == top), None)
    if holder is None:
        return source
    first = min([holder.lineno, *(d.lineno for d in getattr(holder, "decorator_list", []))])
    return "".join([*lines[:first - 1], *_reindented(text, 0, newline), newline, newline,
                    *lines[first - 1:]])


def _diff_text(reply: str) -> str | None:
    """The unified diff in ``reply`` (fenced or not), or ``None``."""
    for language, body in _fences(reply):
        if language.lower() in ("diff", "patch") or _DIFF_LINE.search(body):
            return str(body)
    if _DIFF_LINE.search(reply) and re.search(r"^@@ ", reply, re.MULTILINE):
        start = _DIFF_LINE.search(reply)
        assert start is not None
        return reply[start.start():]
    return None


def _apply_diff(diff: str, module_source: str, path: str, qualname: str,
                test_files: Collection[str]) -> AppliedReply:
    try:
        files = diff_files(diff, path)
        touched_tests = [f for f in files if is_test_path(f, test_files)]
        if touched_tests:
            raise ReplyError(f"the diff changes the test file {touched_tests[0]}; tests may "
                             f"not be changed, fix `{qualname}` in {path}")
        others = [f for f in files if not (f == path or path.endswith("/" + f)
                                           or f.endswith("/" + path))]
        if others:
            raise ReplyError(f"the diff changes {others[0]}; only {path} may be changed")
        source = apply_unified_diff(module_source, diff, path)
    except ReplyError:
        raise
    except PatchError as exc:
        raise ReplyError(str(exc)) from exc
    _check(source, path, qualname)
    return AppliedReply(source=source, code=diff, shape="diff")


def _apply_search_replace(edits: list[tuple[str, str]], module_source: str, path: str,
                          qualname: str) -> AppliedReply:
    source = module_source
    for search, replacement in edits:
        if search and source.count(search) == 1:
            source = source.replace(search, replacement)
            continue
        source = _replace_loosely(source, search, replacement)
    _check(source, path, qualname)
    code = "\n\n".join(f"<<<<<<< SEARCH\n{search}\n=======\n{replacement}\n>>>>>>> REPLACE"
                       for search, replacement in edits)
    return AppliedReply(source=source, code=code, shape="search-replace")


def _replace_loosely(source: str, search: str, replacement: str) -> str:
    """Replace ``search`` matched line by line without regard to indentation."""
    lines = source.splitlines(keepends=True)
    wanted = [line.strip() for line in search.splitlines() if line.strip()]
    if not wanted:
        raise ReplyError("a SEARCH block is empty; copy the lines to change into it")
    for start in range(len(lines)):
        taken = [i for i in range(start, len(lines)) if lines[i].strip()][:len(wanted)]
        if len(taken) == len(wanted) and all(lines[i].strip() == w
                                             for i, w in zip(taken, wanted, strict=True)):
            column = len(lines[taken[0]]) - len(lines[taken[0]].lstrip())
            newline = "\r\n" if lines[taken[0]].endswith("\r\n") else "\n"
            body = textwrap.dedent(replacement.expandtabs(4))
            return "".join([*lines[:start], *_reindented(body, column, newline),
                            *lines[taken[-1] + 1:]])
    first = wanted[0][:80]
    raise ReplyError(f"a SEARCH block does not match the code (it starts with {first!r}); "
                     "copy the lines to change exactly")


def _check(source: str, path: str, qualname: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ReplyError(f"the changed {path} does not parse: {exc.msg} (line {exc.lineno})"
                         ) from exc
    try:
        find_unit(tree, qualname)
    except SourceError as exc:
        raise ReplyError(f"the change removes or renames `{qualname}`; keep its name") from exc
