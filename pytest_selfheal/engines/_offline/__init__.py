"""The offline repair engine's raw material: mutants of a function, written exactly.

:func:`mutations` lists the single-edit variants of one function that the search
evaluates; :mod:`~pytest_selfheal.engines._offline.operators` defines the edits and
:mod:`~pytest_selfheal.engines._offline.rewrite` writes each one as the smallest text change
that provably means it. Nothing here imports pytest.
"""

from __future__ import annotations

from pytest_selfheal.engines._offline.engine import OfflineEngine
from pytest_selfheal.engines._offline.mutants import Mutation, describe, mutations
from pytest_selfheal.engines._offline.operators import OPERATORS, Edit, Operator, Unit, register
from pytest_selfheal.engines._offline.rewrite import Rewriter, replace_node
from pytest_selfheal.engines._offline.text import SourceText

__all__ = [
    "OPERATORS",
    "Edit",
    "Mutation",
    "OfflineEngine",
    "Operator",
    "Rewriter",
    "SourceText",
    "Unit",
    "describe",
    "mutations",
    "register",
    "replace_node",
]
