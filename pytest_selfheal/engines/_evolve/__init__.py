"""Evolution: populations of candidates ranked by pass rate, then speed, then diff size.

:mod:`~pytest_selfheal.engines._evolve.engine` breeds the model's implementations,
:mod:`~pytest_selfheal.engines._evolve.search` judges and times every generation,
:mod:`~pytest_selfheal.engines._evolve.fitness` ranks them, and
:mod:`~pytest_selfheal.engines._evolve.strategies` keeps the competing system prompts.
"""

from pytest_selfheal.engines._evolve.engine import EvolveEngine
from pytest_selfheal.engines._evolve.fitness import NOISE_FLOOR, Speed, rank, speedup
from pytest_selfheal.engines._evolve.search import Evolution, Shape, evolve

__all__ = ["NOISE_FLOOR", "Evolution", "EvolveEngine", "Shape", "Speed", "evolve", "rank",
           "speedup"]
