"""Sending one chat-completions request: the only module that imports :mod:`openai`.

:class:`OpenAITransport` is the boundary where the SDK's exceptions become
:class:`~pytest_selfheal.errors.LLMError` subclasses; :class:`ReplayTransport` serves a
recorded run instead, with no network. Neither retries nor counts: that is the
client's job (:mod:`pytest_selfheal._llm.client`).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import openai

from pytest_selfheal._llm.budget import Message
from pytest_selfheal._settings import OPENAI_DEFAULT_URL, without_credentials
from pytest_selfheal._store import Exchange
from pytest_selfheal.errors import (
    BadReplyError,
    EndpointUnreachableError,
    LLMAuthenticationError,
    LLMError,
    ModelNotFoundError,
    ReplayMissError,
    TransientLLMError,
)

#: Completion tokens asked for per choice; lowered to what the budgets leave.
COMPLETION_TOKENS: Final = 2048


@dataclass(frozen=True)
class Endpoint:
    """Where the model is and how to reach it.

    :param base_url: ``None`` for api.openai.com.
    :param api_key: from the environment only; never shown (``repr`` leaves it out).
    :param key_env: the variable the key came from, named in error messages.
    """

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    key_env: str = "OPENAI_API_KEY"
    request_timeout_s: float = 60.0

    @property
    def shown_url(self) -> str:
        """The base URL as it may be printed."""
        return without_credentials(self.base_url or OPENAI_DEFAULT_URL)


@dataclass(frozen=True)
class ChatRequest:
    """One chat-completions request as the transport sends it."""

    model: str
    messages: tuple[Message, ...]
    n: int = 1
    temperature: float = 0.0
    max_tokens: int = COMPLETION_TOKENS
    #: Name of the completion cap parameter: ``max_completion_tokens`` for models
    #: that refuse ``max_tokens``.
    cap_parameter: str = "max_tokens"
    #: Whether to send ``temperature`` (some reasoning models refuse it).
    send_temperature: bool = True

    @property
    def hash(self) -> str:
        """What identifies the question: model, messages, ``n`` and temperature."""
        return request_hash(self.model, self.messages, self.n, self.temperature)


def request_hash(model: str, messages: Sequence[Message], n: int, temperature: float) -> str:
    """The key of the cache and of replay: a SHA-256 of the canonical request."""
    canonical = json.dumps(
        {"model": model, "messages": [dict(m) for m in messages], "n": n,
         "temperature": temperature},
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChatReply:
    """What one request brought back. Token counts are ``None`` when not reported."""

    texts: tuple[str, ...]
    finish_reasons: tuple[str, ...]
    prompt_tokens: int | None
    completion_tokens: int | None
    model: str


class Transport(Protocol):
    """Sends one request; raises :class:`LLMError` subclasses or :class:`Retry`."""

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        """Send ``request`` and wait at most ``timeout_s`` for the reply."""
        ...


class Retry(Exception):
    """Raised by a transport: ``error`` happened, and trying again may help.

    :param retry_after: seconds the server asked to wait, when it said.
    """

    def __init__(self, error: LLMError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class Unsupported(Exception):
    """Raised by a transport: the endpoint refused an optional ``parameter`` we sent."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class OpenAITransport:
    """Requests through the official ``openai`` client; translates its errors."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        try:
            self._client = openai.OpenAI(
                # A local server needs no key, but the SDK refuses to start without one.
                api_key=endpoint.api_key or "no-key-needed",
                base_url=endpoint.base_url or OPENAI_DEFAULT_URL,
                max_retries=0,  # the client retries itself: see the module docstring
                timeout=endpoint.request_timeout_s,
            )
        except openai.OpenAIError as exc:
            raise LLMError(f"cannot create the OpenAI client: {exc}") from exc

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        """Send one chat-completions request, translating every SDK error."""
        where = self.endpoint.shown_url
        options: dict[str, Any] = {request.cap_parameter: request.max_tokens}
        if request.send_temperature:
            options["temperature"] = request.temperature
        if request.n > 1:
            options["n"] = request.n
        try:
            completion = self._client.chat.completions.create(
                model=request.model,
                messages=[dict(m) for m in request.messages],  # type: ignore[misc]
                timeout=timeout_s,
                **options,
            )
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise LLMAuthenticationError(
                f"the LLM endpoint at {where} refused the API key (HTTP {exc.status_code}): "
                f"check {self.endpoint.key_env}") from exc
        except openai.NotFoundError as exc:
            raise ModelNotFoundError(
                f"the LLM endpoint at {where} does not serve the model {request.model!r} "
                f"(HTTP 404: {_message(exc)}): set --selfheal-model to one it serves, and "
                "check that the base URL ends in /v1") from exc
        except openai.RateLimitError as exc:
            raise Retry(TransientLLMError(f"rate limited by {where} (HTTP 429: "
                                          f"{_message(exc)})"),
                        retry_after(exc.response.headers)) from exc
        except openai.APITimeoutError as exc:
            raise Retry(TransientLLMError(
                f"no reply from {where} within {timeout_s:.3g}s (raise --selfheal-llm-timeout)"
            )) from exc
        except openai.APIConnectionError as exc:
            # The transport library (httpx or httpx2, by SDK version) is not imported
            # here: its connect error is told apart by name.
            if type(exc.__cause__).__name__ == "ConnectError":
                raise Retry(EndpointUnreachableError(
                    f"cannot reach the LLM endpoint at {where} ({exc.__cause__}): is the server "
                    "running? check OPENAI_BASE_URL or --selfheal-base-url")) from exc
            raise Retry(TransientLLMError(
                f"the connection to {where} broke before the reply was complete "
                f"({exc.__cause__ or exc})")) from exc
        except openai.BadRequestError as exc:
            parameter = _refused_parameter(exc, options)
            if parameter is not None:
                raise Unsupported(parameter, _message(exc)) from exc
            raise LLMError(f"the LLM endpoint at {where} refused the request (HTTP 400: "
                           f"{_message(exc)})") from exc
        except openai.APIStatusError as exc:
            error = TransientLLMError(f"the LLM endpoint at {where} failed (HTTP "
                                      f"{exc.status_code}: {_message(exc)})")
            if exc.status_code >= 500 or exc.status_code in (408, 409):
                raise Retry(error, retry_after(exc.response.headers)) from exc
            raise error from exc
        except json.JSONDecodeError as exc:
            # The SDK lets a 200 with a body that is not JSON through as this.
            raise Retry(BadReplyError(f"the LLM endpoint at {where} answered with malformed "
                                      f"JSON ({exc.msg})")) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"the LLM endpoint at {where} failed: {exc}") from exc
        choices = getattr(completion, "choices", None)
        if not choices:
            raise Retry(BadReplyError(f"the LLM endpoint at {where} answered without choices"))
        usage = getattr(completion, "usage", None)
        return ChatReply(
            texts=tuple(str(choice.message.content or "") for choice in choices),
            finish_reasons=tuple(str(choice.finish_reason or "") for choice in choices),
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            model=str(getattr(completion, "model", "") or request.model),
        )


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return str(exc.message)[:300]


def _refused_parameter(exc: openai.BadRequestError, options: Mapping[str, Any]) -> str | None:
    """The optional parameter a 400 complains about, when it is one we can drop."""
    text = f"{getattr(exc, 'param', '') or ''} {getattr(exc, 'code', '') or ''} {_message(exc)}"
    for parameter in ("max_tokens", "temperature", "n"):
        if parameter in options and (f"'{parameter}'" in text or f"`{parameter}`" in text
                                     or text.split()[:1] == [parameter]):
            return parameter
    return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a response asks to wait: ``retry-after-ms``, ``Retry-After`` (seconds or
    an HTTP date), or ``None`` when it does not say."""
    lowered = {key.lower(): value for key, value in headers.items()}
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = lowered.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    return None


class ReplayTransport:
    """Serves the replies of a recorded run by request hash, with no network.

    Identical requests get the recorded replies in their recorded order (the last
    one again when the recording runs out).
    """

    def __init__(self, run_id: str, exchanges: Sequence[Exchange]) -> None:
        self.run_id = run_id
        self._replies: dict[str, deque[Exchange]] = {}
        for exchange in exchanges:
            if exchange.succeeded:
                self._replies.setdefault(exchange.request_hash, deque()).append(exchange)
        self._lock = threading.Lock()

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        """The recorded reply to ``request``; :class:`ReplayMissError` when there is none."""
        with self._lock:
            queue = self._replies.get(request.hash)
            if not queue:
                raise ReplayMissError(
                    f"the recorded run {self.run_id} has no reply to this request: the code, "
                    "the tests or pytest-selfheal changed since it was recorded")
            exchange = queue.popleft() if len(queue) > 1 else queue[0]
        return ChatReply(texts=exchange.replies, finish_reasons=exchange.finish_reasons,
                         prompt_tokens=exchange.prompt_tokens,
                         completion_tokens=exchange.completion_tokens, model=exchange.model)


