"""Repair engines: where candidate fixes come from.

:mod:`~pytest_selfheal.engines.base` is the public contract an engine implements (for the
``pytest_selfheal_make_engine`` hook). The engines shipped with pytest-selfheal are
private packages: ``_offline`` (single edits, no model), ``_refine`` (a model repairs
the code round after round) and ``_evolve`` (populations of a model's implementations).
"""
