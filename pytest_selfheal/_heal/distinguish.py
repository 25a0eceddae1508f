"""An input on which two fixes that pass every test disagree, and the test that decides.

When several candidates pass every test, the tests cannot tell them apart, however they
are ranked. Each candidate was called on the same inputs, made from the arguments the
tests used (:mod:`~pytest_selfheal._evaluate.inputs`); the first input, smallest first,
on which they give different results is shown to the user with each one's result, and
with a test to paste that asserts the result of the fix that was committed: kept as it
is, it confirms the fix; with the right value written in, it rejects a wrong one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from pytest_selfheal._evaluate.inputs import is_literal
from pytest_selfheal._heal.trust import NO_RESULT, same_result
from pytest_selfheal._vcs.commit_messages import module_name
from pytest_selfheal.models import Candidate, Disagreement, FunctionRef, TestRun


def disagreement(entries: Sequence[tuple[Candidate, TestRun]]) -> Disagreement | None:
    """The first input on which the candidates (the committed one first) disagree."""
    if len(entries) < 2:
        return None
    first = entries[0][1].outputs
    common = [text for text in first if all(text in run.outputs for _, run in entries[1:])]
    chosen = None
    for text in common:
        results = [run.outputs[text] for _, run in entries]
        if not all(same_result(results[0], result) for result in results[1:]):
            if not any(result.startswith(NO_RESULT) for result in results):
                chosen = text
                break
            chosen = chosen or text
    if chosen is None:
        return None
    function = entries[0][0].function
    call = call_text(function, chosen)
    names = [candidate.description for candidate, _ in entries]
    outputs = tuple((_told_apart(candidate, names), run.outputs[chosen])
                    for candidate, run in entries)
    return Disagreement(call=call, outputs=outputs, test=paste_test(function, call, outputs))


def _told_apart(candidate: Candidate, names: Sequence[str]) -> str:
    """The candidate's description, with its new line when another has the same one
    (``x`` -> ``y`` said of either of two ``x`` on a line)."""
    if names.count(candidate.description) < 2:
        return candidate.description
    lines = candidate.source.splitlines()
    line = lines[candidate.lineno - 1].strip() if 0 < candidate.lineno <= len(lines) else ""
    return f"{candidate.description}, giving `{line}`" if line else candidate.description


def call_text(function: FunctionRef, text: str) -> str:
    """The call of ``function`` on the argument tuple written as ``text``."""
    values = ast.literal_eval(text)
    return f"{function.qualname}({', '.join(repr(value) for value in values)})"


def paste_test(function: FunctionRef, call: str,
               outputs: Sequence[tuple[str, str]], committed: bool = True) -> str:
    """A test module's text that asserts what the first of ``outputs`` gives for
    ``call``, the others in comments; when none was ``committed``, the value is left
    for the user to write."""
    name = function.qualname
    slug = re.sub(r"\W+", "_", call[len(name):]).strip("_")[:40]
    chosen = outputs[0][1]
    head = [f"from {module_name(function.path)} import {name}", "", ""]
    body = [f"def test_{name}_{slug or 'case'}():",
            "    # Fixes that pass every other test give different results here:"]
    body += [f"    #   {output}  <- {change}" for change, output in outputs]
    if not committed:
        body += ["    # None was committed: the tests cannot tell which is right. Write the "
                 "right result", "    # below; this test then rejects the others.",
                 f"    assert {call} == ...  # the right result"]
        return "\n".join(head + body) + "\n"
    body.append("    # The first one was committed. If its result is wrong, write the right "
                "one below: this test then rejects that fix.")
    if chosen.startswith("raises "):
        head.insert(0, "import pytest\n")
        body += [f"    with pytest.raises({chosen.removeprefix('raises ')}):", f"        {call}"]
    elif is_literal(chosen):
        body.append(f"    assert {call} == {chosen}")
    else:
        body.append(f"    assert {call} == ...  # it gives {chosen}: write the right value")
    return "\n".join(head + body) + "\n"

