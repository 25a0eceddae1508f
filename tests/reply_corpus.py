"""Replies in the shapes the common model families give, written by hand for this project.

Each shape answers the same request: fix ``is_adult`` of :data:`MODULE` (18 is adult).
``expected`` is ``None`` for a shape that must be applied (the fixed function is then
checked by calling it), or a piece of the reason a shape must be refused with, which
goes back to the model.
"""

from __future__ import annotations

from dataclasses import dataclass

MODULE = '''\
"""Shop helpers."""

import math

LEGAL_AGE = 18


def is_adult(age):
    return age > LEGAL_AGE


def rounded(amount):
    return math.floor(amount * 100) / 100
'''


@dataclass(frozen=True)
class Shape:
    family: str
    what: str
    reply: str
    refused_for: str | None = None
    finish_reason: str = "stop"

    def __str__(self) -> str:
        return f"{self.family}: {self.what}"


RIGHT = "def is_adult(age):\n    return age >= LEGAL_AGE\n"

SHAPES = (
    Shape("gpt-4o", "prose, a fenced function, a closing sentence",
          "The comparison excludes 18 itself.\n\n```python\n" + RIGHT + "```\n\n"
          "Using `>=` makes 18 count as adult."),
    Shape("gpt-4o", "a usage example in doctest style after the code",
          "```python\n" + RIGHT + "```\n\nUsage:\n```python\n>>> is_adult(18)\nTrue\n```"),
    Shape("gpt-4o", "a markdown heading and a bullet list after the code",
          "### Fix\n\n```python\n" + RIGHT + "```\n\n### Why\n- `>` excluded 18\n"
          "- `>=` includes it\n"),
    Shape("o3", "a short answer with the module's import repeated",
          "Here's the corrected function:\n\n```python\nimport math\n\n\n" + RIGHT + "```"),
    Shape("o1", "two drafts, the last one is the answer",
          "A first idea:\n```python\ndef is_adult(age):\n    return age > 17\n```\n"
          "That breaks for 17.5. Better:\n```python\n" + RIGHT + "```"),
    Shape("claude", "the whole module repeated, unchanged parts included",
          "I'll fix the boundary:\n\n```python\n\"\"\"Shop helpers.\"\"\"\n\nimport math\n\n"
          "LEGAL_AGE = 18\n\n\n" + RIGHT + "\n\ndef rounded(amount):\n"
          "    return math.floor(amount * 100) / 100\n```\n\nThe only change is `>=`."),
    Shape("claude", "a SEARCH/REPLACE edit",
          "<<<<<<< SEARCH\n    return age > LEGAL_AGE\n=======\n    return age >= LEGAL_AGE\n"
          ">>>>>>> REPLACE\n"),
    Shape("qwen2.5-coder", "an example usage block and a main guard",
          "```python\n" + RIGHT + "\n\n# Example usage\nprint(is_adult(18))  # True\n\n"
          "if __name__ == \"__main__\":\n    assert is_adult(18)\n```"),
    Shape("qwen2.5-coder", "a helper and a constant of its own",
          "```python\nADULTHOOD = 18\n\n\ndef _at_least(value, limit):\n"
          "    return value >= limit\n\n\ndef is_adult(age):\n"
          "    return _at_least(age, ADULTHOOD)\n```"),
    Shape("deepseek-r1", "a wrong draft inside <think>, the answer after it",
          "<think>\nMaybe:\n```python\ndef is_adult(age):\n    return age > 19\n```\n"
          "No, 18 must pass.\n</think>\n\n```python\n" + RIGHT + "```"),
    Shape("deepseek-r1", "the opening <think> tag stripped by the server",
          "The user wants 18 to pass, so >= it is.\n</think>\n\n```python\n" + RIGHT + "```"),
    Shape("deepseek-v3", "a unified diff with wrong line numbers",
          "```diff\n--- a/shop.py\n+++ b/shop.py\n@@ -20,2 +20,2 @@\n def is_adult(age):\n"
          "-    return age > LEGAL_AGE\n+    return age >= LEGAL_AGE\n```"),
    Shape("llama-3", "a fence with no language and chatty prose",
          "Sure! Here is the updated code:\n\n```\n" + RIGHT + "```\n\nLet me know if you "
          "need anything else!"),
    Shape("llama-3", "a capitalised language tag inside a numbered list",
          "1. Change the comparison:\n\n   ```Python\n   def is_adult(age):\n"
          "       return age >= LEGAL_AGE\n   ```\n2. Run the tests."),
    Shape("codestral", "[PYTHON] tags", "[PYTHON]\n" + RIGHT + "[/PYTHON]"),
    Shape("codestral", "bare code with no fence", RIGHT),
    Shape("qwen3", "an answer that imports what it uses",
          "```python\nimport operator\n\n\ndef is_adult(age):\n"
          "    return operator.ge(age, LEGAL_AGE)\n```"),
    # Refused, each with its reason for the model:
    Shape("gpt-4o", "a refusal", "I'm sorry, but I can't help with that.",
          refused_for="no Python code"),
    Shape("deepseek-r1", "only thinking, the answer never came",
          "<think>\nLet me think about the boundary... 18 is", refused_for="no answer after it"),
    Shape("llama-3", "a renamed function",
          "```python\ndef is_grown_up(age):\n    return age >= 18\n```",
          refused_for="renames `is_adult`"),
    Shape("qwen2.5-coder", "a test rewritten instead of the code",
          "```python\ndef test_is_adult():\n    assert True\n```",
          refused_for="tests may not be changed"),
    Shape("gpt-4o", "cut off at the token limit", "```python\ndef is_adult(age):\n    return",
          refused_for="finish_reason: length", finish_reason="length"),
    Shape("claude", "code that does not parse",
          "```python\ndef is_adult(age)\n    return age >= 18\n```",
          refused_for="does not parse"),
)
