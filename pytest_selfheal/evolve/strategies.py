"""Competing system-prompt strategies, scored per project and rewritten when they lose.

Each evolution seeds its population from at least two strategies (a "minimal patch"
and a "rewrite for robustness" prompt by default). How the best individual of each
strategy did is kept in the project's store; after a heal the model rewrites the losing
strategy's prompt from the winner's and the results. Every version is kept, so
``selfheal prompts`` can show the history and scores, and the next run starts from the
latest version of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pytest_selfheal.store import PromptVersion, Store

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


@dataclass(frozen=True)
class Strategy:
    """The current version of one strategy's system prompt."""

    name: str
    version: int
    text: str

    @property
    def system(self) -> str:
        """The system message: the strategy's words, then the rules that never change."""
        return f"{self.text.strip()}\n\n{RULES}"


def current(store: Store | None) -> list[Strategy]:
    """The latest version of each strategy; the built-in ones are stored on first use."""
    if store is None:
        return [Strategy(name, 1, text) for name, text in BUILT_IN.items()]
    versions: dict[str, PromptVersion] = {}
    for version in store.prompt_versions():
        versions[version.strategy] = version  # oldest first: the last one wins
    now = datetime.now().isoformat(timespec="seconds")
    for name, text in BUILT_IN.items():
        if name not in versions:
            number = store.add_prompt_version(name, text, now, "built-in")
            versions[name] = PromptVersion(name, number, text, now, "built-in")
    return [Strategy(v.strategy, v.version, v.text) for v in versions.values()]


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
