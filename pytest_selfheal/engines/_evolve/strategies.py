"""Competing system-prompt strategies, scored per project and rewritten when they lose.

Each evolution seeds its population from at least two strategies (a "minimal patch"
and a "rewrite for robustness" prompt by default). How the best individual of each
strategy did is kept in the project's store; after a heal the model rewrites the losing
strategy's prompt from the winner's and the results.

A prompt evolves only for the better. A rewrite is checked first (:func:`check_rewrite`:
not empty, not a refusal, still about fixing code, no other answer format) and kept as
``rejected`` with the reason when it fails; one that passes enters on ``probation``:
the next evolution tries it in place of the current version, and it becomes current
only when it scores at least the mean of the version it would replace
(:func:`judge_trial`). Every version is kept, so ``selfheal prompts`` shows the history,
the trials and the scores. The safety rules are appended to every version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pytest_selfheal._store import PromptVersion, Store

#: The safety rules every strategy's prompt ends with, whatever the model rewrote.
RULES: Final = (
    "Never change the tests, keep the function's name and signature, do not special-case "
    "the tests' inputs, read test files, inspect the caller or check for pytest. Answer "
    "with the whole replacement function in one ```python fenced block, with the imports "
    "and helpers it needs."
)

BUILT_IN: Final[Mapping[str, str]] = {
    "minimal-patch": (
        "You are a careful Python maintainer. Make the smallest change that makes the "
        "code correct: touch as few lines as possible and keep the author's style."
    ),
    "rewrite-for-robustness": (
        "You are an expert Python engineer. Rewrite the function so that it is clearly "
        "correct for every input, simple, and efficient: prefer the right data structure "
        "and algorithm over patching symptoms."
    ),
}


#: Words of a prompt that says what the agent is for (fixing or writing code).
TASK_WORDS: Final = ("fix", "bug", "code", "function", "correct", "implement", "python",
                     "repair", "test", "program")
#: How refusals and non-answers begin or what they say, lower case.
REFUSALS: Final = ("sorry", "i can't", "i cannot", "i can not", "i'm unable", "i am unable",
                   "i don't know", "i do not know", "as an ai", "i won't", "i will not",
                   "unable to help", "cannot help", "can't help", "not able to")
#: Answer formats a prompt may not ask for instead of the fenced Python block.
OTHER_FORMATS: Final = ("json", "yaml", "xml", "unified diff", "no code block",
                        "without code block", "plain text only", "only prose")
#: Words a rewritten prompt may have at most (the request asks for 120).
MAX_WORDS: Final = 300


@dataclass(frozen=True)
class Strategy:
    """The version of one strategy's system prompt that evolutions use.

    :param replaces: set when this version is on probation: the current version it
        replaces once it has scored at least as well in a real evolution.
    """

    name: str
    version: int
    text: str
    replaces: int | None = None

    @property
    def system(self) -> str:
        """The system message: the strategy's words, then the rules that never change."""
        return f"{self.text.strip()}\n\n{RULES}"


def current(store: Store | None) -> list[Strategy]:
    """Each strategy's version for the next evolution: the version on probation when
    there is one (it is on trial), else the current one. The built-in ones are stored
    on first use."""
    if store is None:
        return [Strategy(name, 1, text) for name, text in BUILT_IN.items()]
    statuses = store.prompt_statuses()
    accepted: dict[str, PromptVersion] = {}
    trial: dict[str, PromptVersion] = {}
    for version in store.prompt_versions():  # oldest first: the last one wins
        status = statuses.get((version.strategy, version.version), ("accepted", ""))[0]
        if status == "accepted":
            accepted[version.strategy] = version
        elif status == "probation":
            trial[version.strategy] = version
    now = datetime.now().isoformat(timespec="seconds")
    for name, text in BUILT_IN.items():
        if name not in accepted:
            number = store.add_prompt_version(name, text, now, "built-in")
            accepted[name] = PromptVersion(name, number, text, now, "built-in")
    strategies = []
    for name, version in accepted.items():
        on_trial = trial.get(name)
        if on_trial is not None and on_trial.version > version.version:
            strategies.append(Strategy(name, on_trial.version, on_trial.text,
                                       replaces=version.version))
        else:
            strategies.append(Strategy(name, version.version, version.text))
    return strategies


def check_rewrite(text: str) -> str:
    """Why a rewritten prompt may not be kept (``""`` when it may): it is empty, a
    refusal, too long, does not say what the agent is for, or asks for another answer
    format than the fenced Python block the rules require."""
    words = text.split()
    lowered = " ".join(words).lower()
    if not words:
        return "empty"
    refusal = next((marker for marker in REFUSALS if marker in lowered[:120]), None)
    if refusal is not None:
        return f"a refusal, not a prompt (it says {refusal!r})"
    if len(words) < 5:
        return f"too short to be a system prompt ({len(words)} words)"
    if len(words) > MAX_WORDS:
        return f"too long ({len(words)} words, at most {MAX_WORDS})"
    if not any(word in lowered for word in TASK_WORDS):
        return "it no longer asks for the task: no word of fixing or writing code"
    other = next((name for name in OTHER_FORMATS if name in lowered), None)
    if other is not None:
        return f"it asks for another answer format ({other}) than one ```python block"
    return ""


def judge_trial(strategy: Strategy, score: float, store: Store) -> str:
    """Settle a version on probation by its score in this evolution: it becomes current
    when it scored at least the mean of the version it replaces, else it is rejected.

    :returns: one line for the heal's notes.
    """
    assert strategy.replaces is not None
    means = {(name, version): mean for name, version, _, _, mean in store.prompt_scores()}
    bar = means.get((strategy.name, strategy.replaces), 0.0)
    if score >= bar:
        store.set_prompt_status(strategy.name, strategy.version, "accepted",
                                f"scored {score:.3f} on trial, v{strategy.replaces} "
                                f"averaged {bar:.3f}")
        return (f"prompt {strategy.name} v{strategy.version} passed its trial ({score:.3f} "
                f">= {bar:.3f}) and is now current")
    store.set_prompt_status(strategy.name, strategy.version, "rejected",
                            f"scored {score:.3f} on trial, below v{strategy.replaces}'s "
                            f"mean of {bar:.3f}")
    return (f"prompt {strategy.name} v{strategy.version} failed its trial ({score:.3f} < "
            f"{bar:.3f}); v{strategy.replaces} stays current")


def rewrite_messages(winner: Strategy, loser: Strategy, results: str) -> list[dict[str, str]]:
    """The request asking the model to rewrite the losing strategy's prompt."""
    return [
        {"role": "system", "content": "You improve system prompts for a program-repair agent. "
         "Answer with the new system prompt only, as plain text, at most 120 words."},
        {"role": "user", "content":
         f"Two system prompts competed on the same task.\n\nThe winner ({winner.name}, "
         f"version {winner.version}):\n{winner.text}\n\nThe loser ({loser.name}, version "
         f"{loser.version}):\n{loser.text}\n\nResults:\n{results}\n\nRewrite the losing "
         f"system prompt so that it keeps its own approach ({loser.name}) but learns from "
         "what made the winner succeed. Do not add rules about tests or answer format: "
         "those are appended for you."},
    ]


def cleaned(reply: str) -> str:
    """The prompt text of a rewrite reply, without fences or quotes around it."""
    text = reply.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip().strip('"').strip()
