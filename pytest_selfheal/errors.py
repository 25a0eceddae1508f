"""The exception tree of pytest-selfheal.

Every error the plugin raises on purpose derives from :class:`SelfHealError`; each
adapter translates the exceptions of its third-party library at one boundary
(``raise GitError(...) from exc``), so callers never see ``git.exc`` or ``OSError``
leaking out of an adapter::

    SelfHealError
    ├── SettingsError        a bad option, ini key or environment variable
    ├── SourceError          a file that cannot be read, parsed or located
    │   └── PatchError       an edit that cannot be applied to a source file
    ├── EvaluationError      a candidate run that could not be carried out at all
    ├── GitError             a repository operation that failed
    │   └── NotARepositoryError
    └── ReloadError          a fix that cannot be swapped into the running process

A failed *candidate* is not an error: it is a verdict. Errors are for the machinery.
"""

from __future__ import annotations


class SelfHealError(Exception):
    """Base class of every error raised on purpose by pytest-selfheal."""


class SettingsError(SelfHealError):
    """An option, ini key or environment variable has a value that cannot be used.

    The message names the setting, repeats the bad value with ``!r`` and says how to
    fix it; the pytest plugin turns it into a :class:`pytest.UsageError`.
    """


class SourceError(SelfHealError):
    """A project source file cannot be read, parsed, or the function in it found."""


class PatchError(SourceError):
    """An edit does not apply cleanly to the source it was made for."""


class EvaluationError(SelfHealError):
    """A test run for a candidate could not be started or its results not read."""


class GitError(SelfHealError):
    """A git operation failed; the user's repository is left as it was."""


class NotARepositoryError(GitError):
    """The project is not inside a git work tree, so no branch can be written."""


class ReloadError(SelfHealError):
    """A fixed function cannot be swapped into the running interpreter."""


class SelfHealWarning(UserWarning):
    """Warnings about healing that do not stop the test session."""
