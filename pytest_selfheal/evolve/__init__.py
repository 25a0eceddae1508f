"""Evolution: populations of candidates ranked by pass rate, then speed, then diff size.

:mod:`~pytest_selfheal.evolve.engine` breeds the model's implementations,
:mod:`~pytest_selfheal.evolve.search` judges and times every generation,
:mod:`~pytest_selfheal.evolve.fitness` ranks them, and
:mod:`~pytest_selfheal.evolve.strategies` keeps the competing system prompts.
"""

from pytest_selfheal.evolve.engine import EvolveEngine
from pytest_selfheal.evolve.fitness import NOISE_FLOOR, Speed, rank, speedup
from pytest_selfheal.evolve.search import Evolution, Shape, evolve

__all__ = ["NOISE_FLOOR", "Evolution", "EvolveEngine", "Shape", "Speed", "evolve", "rank",
           "speedup"]
