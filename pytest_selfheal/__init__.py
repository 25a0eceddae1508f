"""pytest-selfheal: repair the code behind failing tests, commit each fix to a review branch.

The public API, kept stable across releases:

- :mod:`pytest_selfheal.engines.base`: the :class:`~pytest_selfheal.engines.base.Engine`
  contract, for engines returned by the ``pytest_selfheal_make_engine`` hook;
- :mod:`pytest_selfheal.hookspecs`: the ``pytest_selfheal_*`` hooks;
- :mod:`pytest_selfheal.models`: the records the hooks and engines see (failures,
  candidates, verdicts, outcomes);
- :mod:`pytest_selfheal.errors`: the exceptions;
- :mod:`pytest_selfheal.testing`: a local chat-completions server for testing code that
  talks to a model.

Where the rest lives (modules and packages whose name starts with ``_`` are internal):

- ``plugin/``: the pytest side: options, the session that catches failures, the probe
  that runs tests in children;
- ``cli/``: the ``selfheal`` command and the pre-commit hook;
- ``_heal/``: healing one failure: localize, select tests, search, verify, land;
- ``engines/``: where candidate fixes come from: ``_offline``, ``_refine``, ``_evolve``;
- ``_evaluate/``: the evaluation cage: running tests on candidate code in contained
  children, forked from the session or fresh;
- ``_vcs/``: git: review branches, commit messages, landing a fix;
- ``_reports/``: the terminal summary, the JSON and the HTML report;
- ``_llm/``: the client of OpenAI-compatible endpoints, with budgets and replay;
- ``_source/``: parsing, diffing and hot-reloading project code;
- ``_options``, ``_settings``, ``_inifile``, ``_statedir``, ``_store``: the settings, the
  ``.selfheal/`` state directory and its SQLite store.
"""

__version__ = "0.1.0.dev0"
