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
import itertools
import re
import textwrap
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Final

from pytest_selfheal._source.patches import apply_unified_diff, diff_files, find_unit
from pytest_selfheal.engines._refine.reply_merge import Target, merge, reindented
from pytest_selfheal.engines._refine.reply_parts import (
    CodeParts,
    bare_code,
    code_blocks,
    split_code,
    without_thinking,
)
from pytest_selfheal.engines.base import RepairTask
from pytest_selfheal.errors import PatchError, ReplyError, SourceError

#: Longest reply parsed, checked before any parsing (the client caps replies the same).
MAX_REPLY_CHARS: Final = 200_000
_DIFF_LINE: Final = re.compile(r"^(--- |\+\+\+ |@@ -\d)", re.MULTILINE)


#: Why a reply cut off at the completion's token cap (``finish_reason: length``) is
#: refused, for the model: the code in it stops in the middle.
CUT_OFF: Final = ("the reply was cut off at the token limit (finish_reason: length) before "
                  "it ended; answer with the code only, shorter, in one ```python block")


@dataclass(frozen=True)
class AppliedReply:
    """A reply that became a new module text.

    :param source: the whole new text of the module.
    :param code: the code taken from the reply, quoted back in later prompts.
    :param shape: ``fenced``, ``bare`` (code with no fence), ``search-replace`` or ``diff``.
    :param others: project-relative path to the new text of every other module the
        reply changes (a fix that spans the modules the traceback ran through).
    :param added: what the reply adds besides the function (imports, helpers), in words.
    """

    source: str
    code: str
    shape: str
    others: Mapping[str, str] = field(default_factory=dict)
    added: tuple[str, ...] = ()


def is_test_path(path: str, test_files: Collection[str] = ()) -> bool:
    """Whether ``path`` is a test module or pytest configuration, which fixes may not touch."""
    name = path.rsplit("/", 1)[-1]
    return (path in test_files or name == "conftest.py" or name.startswith("test_")
            or name.endswith("_test.py") or name in ("pytest.ini", "tox.ini", "setup.cfg",
                                                     "pyproject.toml"))


@dataclass(frozen=True)
class ReplyScope:
    """What a reply is applied to.

    :param target: the function to rewrite (or, ``is_new``, to add) and the module it is in.
    :param sources: project-relative path to the text of the target's module and of the
        other modules the reply may change too (the other suspects' modules).
    :param test_files: the project's test modules, which a reply may not change.
    """

    target: Target
    sources: Mapping[str, str]
    test_files: Collection[str] = ()

    @classmethod
    def of_task(cls, task: RepairTask, test_files: Collection[str] = ()) -> ReplyScope:
        """The scope of every reply for ``task``: its first suspect, or the code it misses."""
        function, missing = task.suspects[0].function, task.missing
        target = Target(function.path, function.qualname, is_new=missing is not None,
                        also=missing.also if missing else ())
        # The other suspects' modules: the traceback ran through them.
        sources = {path: text for path, text in task.sources.items() if path != function.path}
        sources[function.path] = task.sources[function.path]
        return cls(target, sources, test_files)


def apply_reply(reply: str, scope: ReplyScope) -> AppliedReply:
    """Apply ``reply`` to the target's module, to rewrite (or add) the target.

    :raises ReplyError: with the reason, for the model, when the reply cannot be applied.
    """
    if len(reply) > MAX_REPLY_CHARS:
        raise ReplyError(f"the reply has {len(reply):,} characters, more than the "
                         f"{MAX_REPLY_CHARS:,} read; answer with the function alone")
    answer = without_thinking(reply)
    if not answer.strip():
        what = "was empty" if not reply.strip() else "has only its reasoning, no answer after it"
        raise ReplyError(f"the reply {what}; answer with the whole function in a "
                         "```python block")
    reply = answer
    target = scope.target
    edits = _search_replace_blocks(reply)
    if edits and not target.is_new:
        return _apply_search_replace(edits, scope)
    diff = _diff_text(reply)
    if diff is not None and not target.is_new:
        return _apply_diff(diff, scope)
    blocks = [block for block in code_blocks(reply) if block.is_python]
    # A block left open at the end is taken only when nothing else is: some models
    # forget the closing fence (a reply cut off by its length is refused before this).
    codes = ([block.body for block in blocks if block.complete]
             or [block.body for block in blocks[-1:]])
    shape = "fenced"
    if not codes:
        bare = bare_code(reply)
        if bare is None:
            raise ReplyError(f"the reply has no Python code in it; answer with the whole "
                             f"`{target.name}` in a ```python block")
        codes, shape = [bare], "bare"
    merged = merge(_parts(codes), scope.sources, target)
    path = target.path
    return AppliedReply(source=merged.sources[path], code=merged.code, shape=shape,
                        others={p: text for p, text in merged.sources.items() if p != path},
                        added=merged.added)


def _parts(codes: list[str]) -> list[CodeParts]:
    """Each block's parts. A block that does not parse is left out when it defines
    nothing (a usage example in doctest style) or when a later block parses (it was a
    draft); a last block with definitions that does not parse refuses the reply."""
    parts: list[CodeParts] = []
    errors: list[ReplyError] = []
    for index, code in enumerate(codes):
        try:
            parts.append(split_code(_normalized(code)))
        except ReplyError as exc:
            defines = any(line.lstrip().startswith(("def ", "async def ", "class "))
                          for line in code.splitlines())
            if index == len(codes) - 1 and defines:
                raise
            errors.append(exc)
    if not parts:
        raise errors[0]
    return parts


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


def _apply_diff(diff: str, scope: ReplyScope) -> AppliedReply:
    """Each file's part of the diff applied to the module it names: the target's, or
    another module the reply may change."""
    sources, test_files = scope.sources, scope.test_files
    path, qualname = scope.target.path, scope.target.qualname
    changed = dict(sources)
    try:
        for section in _diff_sections(diff):
            files = diff_files(section, path)
            touched_tests = [f for f in files if is_test_path(f, test_files)]
            if touched_tests:
                raise ReplyError(f"the diff changes the test file {touched_tests[0]}; tests "
                                 f"may not be changed, fix `{qualname}` in {path}")
            named = files[0] if files else path
            home = next((p for p in [path, *sources] if named == p or p.endswith("/" + named)
                         or named.endswith("/" + p)), None)
            if home is None:
                allowed = ", ".join(sorted(sources))
                raise ReplyError(f"the diff changes {named}; only {allowed} may be changed")
            changed[home] = apply_unified_diff(changed[home], section, home)
    except ReplyError:
        raise
    except PatchError as exc:
        raise ReplyError(str(exc)) from exc
    _check(changed[path], path, qualname)
    return AppliedReply(source=changed[path], code=diff, shape="diff",
                        others={p: text for p, text in changed.items()
                                if p != path and text != sources[p]})


def _diff_sections(diff: str) -> list[str]:
    """The diff split into one part per file (at each ``---`` line followed by ``+++``)."""
    lines = diff.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("--- ")
              and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")]
    if len(starts) < 2:
        return [diff]
    bounds = [0, *starts[1:], len(lines)]
    return ["".join(lines[a:b]) for a, b in itertools.pairwise(bounds)]


def _apply_search_replace(edits: list[tuple[str, str]], scope: ReplyScope) -> AppliedReply:
    """Every block applied where its SEARCH text is: the target's module first, then the
    other modules the reply may change."""
    sources, path, qualname = scope.sources, scope.target.path, scope.target.qualname
    changed = dict(sources)
    order = [path, *(p for p in sources if p != path)]
    for search, replacement in edits:
        home = next((p for p in order if search and changed[p].count(search) == 1), None)
        if home is not None:
            changed[home] = changed[home].replace(search, replacement)
            continue
        error: ReplyError | None = None
        for candidate in order:
            try:
                changed[candidate] = _replace_loosely(changed[candidate], search, replacement)
            except ReplyError as exc:
                error = error or exc
                continue
            break
        else:
            assert error is not None
            raise error
    _check(changed[path], path, qualname)
    code = "\n\n".join(f"<<<<<<< SEARCH\n{search}\n=======\n{replacement}\n>>>>>>> REPLACE"
                       for search, replacement in edits)
    return AppliedReply(source=changed[path], code=code, shape="search-replace",
                        others={p: text for p, text in changed.items()
                                if p != path and text != sources[p]})


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
            return "".join([*lines[:start], *reindented(body, column, newline),
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
