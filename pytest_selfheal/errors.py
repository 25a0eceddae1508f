"""The exception tree of pytest-selfheal.

Every error the plugin raises on purpose derives from :class:`SelfHealError`; each
adapter translates the exceptions of its third-party library at one boundary
(``raise GitError(...) from exc``), so callers never see ``git.exc`` or ``OSError``
leaking out of an adapter::

    SelfHealError
    ├── SettingsError        a bad option, ini key or environment variable
    ├── SourceError          a file that cannot be read, parsed or located
    │   └── PatchError       an edit that cannot be applied to a source file
    │       └── ReplyError   a model's reply that cannot become a candidate
    ├── EvaluationError      a candidate run that could not be carried out at all
    ├── GitError             a repository operation that failed
    │   └── NotARepositoryError
    ├── ReloadError          a fix that cannot be swapped into the running process
    ├── StoreError           the SQLite store under .selfheal/ cannot be used
    └── LLMError             the model endpoint gave no usable answer
        ├── EndpointError    the endpoint cannot serve this run at all: healing stops
        │   ├── LLMAuthenticationError   the key was refused (401, 403)
        │   ├── ModelNotFoundError       the endpoint does not serve the model
        │   ├── EndpointUnreachableError nothing answers at the base URL
        │   └── ReplayMissError          a replayed run has no reply for a request
        ├── BudgetExhaustedError         a call would go past a budget
        │   └── TimeBudgetError          the failure's time budget is spent
        ├── TransientLLMError            rate limits, 5xx, timeouts, after the retries
        └── BadReplyError                an answer that is not a usable completion

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


class ReplyError(PatchError):
    """A model's reply cannot become a candidate fix.

    The message is the reason, written for the model: it is sent back in the next
    round (``the reply renames is_adult to check_age; keep the name``).
    """


class EvaluationError(SelfHealError):
    """A test run for a candidate could not be started or its results not read."""


class GitError(SelfHealError):
    """A git operation failed; the user's repository is left as it was."""


class NotARepositoryError(GitError):
    """The project is not inside a git work tree, so no branch can be written."""


class ReloadError(SelfHealError):
    """A fixed function cannot be swapped into the running interpreter."""


class StoreError(SelfHealError):
    """The SQLite store (``.selfheal/selfheal.db``) cannot be opened, read or written."""


class LLMError(SelfHealError):
    """The model endpoint gave no usable answer to a request.

    Messages never contain the API key: the client removes it from everything it
    reports, including what a server echoes back.
    """


class EndpointError(LLMError):
    """The endpoint cannot serve this run at all; healing stops at the first such error."""


class LLMAuthenticationError(EndpointError):
    """The endpoint refused the API key (HTTP 401 or 403)."""


class ModelNotFoundError(EndpointError):
    """The endpoint does not serve the configured model (HTTP 404)."""


class EndpointUnreachableError(EndpointError):
    """Nothing answers at the base URL: connection refused, DNS failure, TLS failure."""


class ReplayMissError(EndpointError):
    """``--selfheal-provider replay`` met a request the recorded run never made."""


class BudgetExhaustedError(LLMError):
    """Making the next call could go past a budget of the run (calls, tokens, cost)."""


class TimeBudgetError(BudgetExhaustedError):
    """The time allowed for healing one failure (``--selfheal-timeout``) is spent."""


class TransientLLMError(LLMError):
    """Rate limits, server errors or timeouts outlasted the retries; a later call may work."""


class BadReplyError(LLMError):
    """The endpoint answered, but not with a usable completion (malformed, empty, too large)."""


class SelfHealWarning(UserWarning):
    """Warnings about healing that do not stop the test session."""
