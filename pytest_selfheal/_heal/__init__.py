"""Healing one failure, engine-agnostic and without pytest.

- :mod:`~pytest_selfheal._heal.healer`: the :class:`Healer`, which reproduces the failure,
  localizes it and runs the search;
- :mod:`~pytest_selfheal._heal.survey` and :mod:`~pytest_selfheal._heal.localize`: the
  reproduce gate, the coverage measured within a time box, and the suspects (with the
  clues of :mod:`~pytest_selfheal._heal.localize_clues`);
- :mod:`~pytest_selfheal._heal.selection`: which tests a fix must pass, some held out;
- :mod:`~pytest_selfheal._heal.rounds`: the round-by-round search for the first passing
  candidate (engines that judge whole generations use ``engines._evolve.adapter``);
- :mod:`~pytest_selfheal._heal.labelling`: ranking the winner among other passing
  candidates (:mod:`~pytest_selfheal._heal.alternatives`,
  :mod:`~pytest_selfheal._heal.distinguish`) and labelling it verified or plausible
  (:mod:`~pytest_selfheal._heal.trust`);
- :mod:`~pytest_selfheal._heal.accept`: verifying the winner and landing it;
- :mod:`~pytest_selfheal._heal.missing`: code a test needs that does not exist yet;
- :mod:`~pytest_selfheal._heal.optimizer`: making passing code faster.
"""
