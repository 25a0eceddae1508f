"""Reading a model's reply as text: reasoning left out, fenced blocks found, code split up.

Everything here scans lines or searches for fixed strings, never a regular expression
with nested or overlapping repetition over the reply: a reply is text an untrusted
model wrote, and its length is bounded only by the client's limit.

- :func:`without_thinking` drops the ``<think>...</think>`` section that reasoning
  models (DeepSeek-R1, Qwen3, QwQ and others) write before their answer, whose drafts
  are not the answer.
- :func:`code_blocks` finds the fenced blocks, noting which ones were never closed.
- :func:`bare_code` finds code written with no fence at all, imports included.
- :func:`split_code` splits a block into its imports and its module-level definitions
  (functions, classes, constants); examples (``print(...)``, ``if __name__ ==
  "__main__":``) are left out, as a reader of the answer would.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from typing import Final

#: Opening and closing tags of the reasoning section, lower case.
THINKING_TAGS: Final = (("<think>", "</think>"), ("<thinking>", "</thinking>"),
                        ("<reasoning>", "</reasoning>"))
#: Fence languages that hold Python; ``""`` is a fence with no language.
PYTHON_LANGUAGES: Final = frozenset({"", "python", "py", "python3", "py3"})
_CODE_STARTS: Final = ("def ", "async def ", "class ", "@", "import ", "from ")


def without_thinking(reply: str) -> str:
    """``reply`` without its reasoning sections.

    A section that is opened and never closed runs to the end of the reply (the
    answer never came); a closing tag with no opening one (some servers strip the
    opening tag the chat template added) ends a section that began at the start.
    """
    lowered = reply.lower()
    for opening, closing in THINKING_TAGS:
        if opening not in lowered and closing not in lowered:
            continue
        kept: list[str] = []
        position = 0
        first_close = lowered.find(closing)
        first_open = lowered.find(opening)
        if first_close != -1 and (first_open == -1 or first_close < first_open):
            position = first_close + len(closing)
        while True:
            start = lowered.find(opening, position)
            if start == -1:
                kept.append(reply[position:])
                break
            kept.append(reply[position:start])
            end = lowered.find(closing, start + len(opening))
            if end == -1:
                break
            position = end + len(closing)
        reply = "".join(kept)
        lowered = reply.lower()
    return reply


@dataclass(frozen=True)
class Block:
    """One fenced block of a reply.

    :param language: the fence's language, lower case (``python``; ``""`` for none).
    :param complete: the closing fence was found; a block cut off is not an answer.
    """

    language: str
    body: str
    complete: bool

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_LANGUAGES


def _fence_language(info: str) -> str:
    """``python`` of ``python title="x.py"``, ``python:src/x.py`` or ``Python``."""
    word = []
    for character in info.strip():
        if not (character.isalnum() or character in "+-_"):
            break
        word.append(character)
    return "".join(word).lower()


def code_blocks(reply: str) -> list[Block]:
    """The fenced blocks of ``reply`` in order (backtick or tilde fences, any indent, or
    ``[PYTHON]`` tags)."""
    blocks: list[Block] = []
    lines = reply.splitlines()
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.upper() == "[PYTHON]":
            # Codestral and Code Llama's instruction format: [PYTHON] ... [/PYTHON].
            end = next((i for i in range(index + 1, len(lines))
                        if lines[i].strip().upper() == "[/PYTHON]"), len(lines))
            blocks.append(Block("python", "\n".join(lines[index + 1:end]), end < len(lines)))
            index = end + 1
            continue
        fence = stripped[:3]
        if fence not in ("```", "~~~"):
            index += 1
            continue
        width = len(stripped) - len(stripped.lstrip(fence[0]))
        language = _fence_language(stripped[width:])
        body: list[str] = []
        index += 1
        complete = False
        while index < len(lines):
            inner = lines[index].strip()
            if inner.startswith(fence[0] * width) and not inner.lstrip(fence[0]).strip():
                complete = True
                index += 1
                break
            body.append(lines[index])
            index += 1
        blocks.append(Block(language, "\n".join(body), complete))
    return blocks


def bare_code(reply: str) -> str | None:
    """The code of a reply with no fences: from the first line that starts code at the
    left margin (an import, a ``def``, a decorator, a class) to the first prose line."""
    lines = reply.splitlines()
    start = next((i for i, line in enumerate(lines) if _starts_code(line)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line[:1].isspace() and not _starts_code(line) \
                and not _is_statement(line):
            break
        end += 1
    return "\n".join(lines[start:end]).rstrip()


def _starts_code(line: str) -> bool:
    stripped = line.lstrip()
    if not stripped.startswith(_CODE_STARTS) or stripped.startswith("@@"):
        return False
    if stripped.startswith(("import ", "from ")):
        return _is_statement(stripped)
    return True


def _is_statement(line: str) -> bool:
    """Whether a line at the margin parses as Python on its own (``TAX = 0.2``, ``)``)."""
    text = line.strip()
    if text in (")", "]", "}") or text.startswith(("#", '"""', "'''")):
        return True
    try:
        ast.parse(text)
    except SyntaxError:
        return text.endswith(":") and text.startswith(("def ", "async def ", "class ", "if ",
                                                       "for ", "while ", "with ", "try",
                                                       "else", "elif ", "except"))
    return " " not in text or "=" in text or text.startswith(("import ", "from ", "return"))


@dataclass(frozen=True)
class Definition:
    """A module-level name a reply defines.

    :param kind: ``function``, ``class`` or ``constant``.
    :param text: its source, dedented, decorators included.
    :param node: its statement.
    :param owner: for a method taken out of a class the reply repeats, that class.
    """

    name: str
    kind: str
    text: str
    node: ast.stmt
    owner: str | None = None


@dataclass(frozen=True)
class CodeParts:
    """What one block of a reply holds, module-level statements only.

    :param imports: the import statements, as written.
    :param definitions: functions, classes (or their methods) and constants, in order.
    :param classes: the names of the classes the reply repeats in full.
    """

    imports: tuple[tuple[str, ast.Import | ast.ImportFrom], ...]
    definitions: tuple[Definition, ...]
    classes: tuple[Definition, ...] = ()


def split_code(code: str) -> CodeParts:
    """Split parsed, dedented ``code`` into imports and definitions.

    :raises SyntaxError: when ``code`` does not parse.
    """
    tree = ast.parse(code)
    lines = code.splitlines()

    def text_of(node: ast.stmt) -> str:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])
        return textwrap.dedent("\n".join(lines[first - 1:node.end_lineno]))

    imports: list[tuple[str, ast.Import | ast.ImportFrom]] = []
    definitions: list[Definition] = []
    classes: list[Definition] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append((text_of(node), node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            definitions.append(Definition(node.name, "function", text_of(node), node))
        elif isinstance(node, ast.ClassDef):
            classes.append(Definition(node.name, "class", text_of(node), node))
            definitions.extend(
                Definition(item.name, "function", text_of(item), item, owner=node.name)
                for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef))
        elif (name := _assigned_name(node)) is not None:
            definitions.append(Definition(name, "constant", text_of(node), node))
    return CodeParts(tuple(imports), tuple(definitions), tuple(classes))


def _assigned_name(node: ast.stmt) -> str | None:
    """The one name a plain module-level assignment binds (``TAX = 0.2``), else ``None``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return node.target.id if isinstance(node.target, ast.Name) else None
    return None


def names_used(node: ast.AST) -> set[str]:
    """Every name ``node`` reads (``Name`` loads, and the roots of attribute chains)."""
    return {child.id for child in ast.walk(node)
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load)}
