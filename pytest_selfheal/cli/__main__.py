"""``python -m pytest_selfheal.cli``: the ``selfheal`` command."""

from pytest_selfheal.cli import main

raise SystemExit(main())
