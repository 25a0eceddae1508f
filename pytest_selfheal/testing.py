"""Helpers for testing with pytest-selfheal, shipped with the package.

:func:`make_git_project` builds a throwaway project in its own real git repository;
the ``git_project`` fixture wraps it for tests. Use them to check a heal end to end
without touching any real repository.

:class:`OpenAIServer` is a real HTTP server on loopback that speaks the OpenAI
chat-completions protocol with scripted replies and scripted faults (rate limits,
server errors, slow, malformed, truncated and huge replies, unknown models, wrong
keys), recording every request it receives; the ``openai_server`` fixture starts one.
Tests of the LLM engine use it with the real ``openai`` client over a socket, never a
patched SDK. It uses the standard library only.
"""

from __future__ import annotations

import collections
import json
import math
import os
import subprocess
import textwrap
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pytest_selfheal._testing_http import handler_class

#: Identity of the commits made by these helpers, set per repository, never globally.
IDENTITY = {"user.name": "Selfheal Tests", "user.email": "tests@selfheal.invalid"}


def git(root: Path, *args: str) -> str:
    """Run ``git`` in ``root`` and return its standard output; raise when it fails."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    completed = subprocess.run(
        ["git", *args], cwd=root, env=environment, check=True, capture_output=True, text=True
    )
    return completed.stdout


def make_git_project(
    root: Path, files: Mapping[str, str], *, commit: bool = True, branch: str = "main"
) -> Path:
    """Write ``files`` (relative path to text) under ``root`` and commit them.

    :param commit: when false, the repository is initialised but nothing is committed.
    :returns: ``root``.
    """
    root.mkdir(parents=True, exist_ok=True)
    for relpath, text in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", branch)
    for key, value in IDENTITY.items():
        git(root, "config", key, value)
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "Initial commit")
    return root


@pytest.fixture
def git_project(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``git_project(files, commit=True)`` returns the root of a new repository."""

    def factory(files: Mapping[str, str], *, commit: bool = True, name: str = "project") -> Path:
        return make_git_project(tmp_path / name, files, commit=commit)

    return factory


# -- a real OpenAI-compatible HTTP server on loopback ----------------------------------


@dataclass(frozen=True)
class Reply:
    """One scripted answer of :class:`OpenAIServer` to a chat-completions request.

    :param content: the text of each choice; a single text answers every choice of a
        request that asks for several (``n``).
    :param status: the HTTP status; anything but 200 sends an OpenAI-shaped error body
        with ``error`` as its message.
    :param headers: extra response headers (``Retry-After``).
    :param delay_s: seconds to wait before answering, to go past a client's timeout.
    :param body: raw bytes sent instead of a JSON body (malformed JSON).
    :param declared_length: a ``Content-Length`` larger than ``body``, then the
        connection is closed: a reply cut off in transit.
    :param model: the model the reply claims to come from; ``None`` echoes the request's.
    :param finish_reason: ``stop``, or ``length`` for a completion cut at its token cap.
    :param usage: the token counts reported; ``None`` computes them (about four bytes
        per token), ``{}`` leaves ``usage`` out as some local servers do.
    :param ignores_cap: answer in full past the request's ``max_tokens``, as a
        misbehaving server does; by default a completion stops at its cap.
    """

    content: str | Sequence[str] = ""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    error: str = ""
    error_code: str | None = None
    body: bytes | None = None
    declared_length: int | None = None
    model: str | None = None
    finish_reason: str = "stop"
    usage: Mapping[str, int] | None = None
    ignores_cap: bool = False

    @classmethod
    def rate_limited(cls, retry_after: float | str = 1) -> Reply:
        """HTTP 429 with a ``Retry-After`` header (seconds, or an HTTP date)."""
        return cls(status=429, headers={"Retry-After": str(retry_after)},
                   error="Rate limit reached, retry later", error_code="rate_limit_exceeded")

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        """An HTTP 5xx error."""
        return cls(status=status, error="The server had an error while processing your request")

    @classmethod
    def slow(cls, seconds: float, content: str = "") -> Reply:
        """A reply that only comes after ``seconds``."""
        return cls(content=content, delay_s=seconds)

    @classmethod
    def malformed(cls) -> Reply:
        """HTTP 200 whose body is not JSON."""
        return cls(body=b'{"id": "chatcmpl-broken", "choices": [{"message": {"content": "de')

    @classmethod
    def truncated(cls) -> Reply:
        """HTTP 200 whose body stops short of its ``Content-Length``."""
        return cls(body=b'{"id": "chatcmpl-cut", "object": "chat.completion", "choi',
                   declared_length=4096)

    @classmethod
    def cut_off(cls, content: str) -> Reply:
        """A completion cut in the middle by the token cap (``finish_reason: length``)."""
        return cls(content=content[: max(1, len(content) // 2)], finish_reason="length")

    @classmethod
    def huge(cls, size: int = 2_000_000) -> Reply:
        """A completion of ``size`` characters, sent whatever ``max_tokens`` says."""
        return cls(content="x = 1\n" * (size // 6), ignores_cap=True)

    @classmethod
    def unauthorized(cls) -> Reply:
        """HTTP 401, as for a wrong API key."""
        return cls(status=401, error="Incorrect API key provided", error_code="invalid_api_key")

    @classmethod
    def unknown_model(cls, model: str = "") -> Reply:
        """HTTP 404 ``model_not_found``."""
        return cls(status=404, error=f"The model `{model}` does not exist",
                   error_code="model_not_found")


@dataclass(frozen=True)
class Request:
    """One request the server received, as it arrived."""

    __test__ = False  # not a test class, despite living in a testing module

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        """The body parsed as JSON (``{}`` when it is not)."""
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of a chat-completions request."""
        return list(self.json.get("messages", []))

    @property
    def text(self) -> str:
        """Every message's content, joined: what the model was shown."""
        return "\n".join(str(message.get("content", "")) for message in self.messages)


#: What a scripted answer may be: a reply, or just the text of its content.
Answer = Reply | str


class OpenAIServer:
    """A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions protocol.

    Answers come from ``replies`` in order, or from ``respond(request)`` once the queue
    is empty; with neither, a request is answered HTTP 400 ``no scripted reply left``.
    Every request is recorded in :attr:`requests`, in arrival order. Use it as a
    context manager, or through the ``openai_server`` fixture::

        def test_heal(openai_server):
            openai_server.add("```python\\ndef f():\\n    return 1\\n```")
            client = openai.OpenAI(base_url=openai_server.url, api_key="test")

    :param models: the models it serves; a request for another one gets HTTP 404.
    :param api_key: when given, a request without ``Authorization: Bearer <api_key>``
        gets HTTP 401, whose message echoes the key it got (as a careless server might).
    :param n_support: ``yes`` answers ``n`` choices, ``ignore`` answers one whatever
        ``n`` is (Ollama), ``reject`` refuses ``n > 1`` with HTTP 400.
    """

    def __init__(
        self,
        replies: Iterable[Answer] = (),
        *,
        respond: Callable[[Request], Answer] | None = None,
        models: Sequence[str] = ("fake-model",),
        api_key: str | None = None,
        n_support: str = "yes",
    ) -> None:
        self.respond = respond
        self.models = list(models)
        self.api_key = api_key
        self.n_support = n_support
        self.requests: list[Request] = []
        self._queue: collections.deque[Answer] = collections.deque(replies)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to give a client: ``http://127.0.0.1:<port>/v1``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def chat_requests(self) -> list[Request]:
        """The chat-completions requests received so far."""
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    def add(self, *answers: Answer) -> None:
        """Queue answers for the next chat-completions requests."""
        with self._lock:
            self._queue.extend(answers)

    def start(self) -> OpenAIServer:
        """Serve in a background thread; returns the server itself."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            name="fake-openai", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; replies still waiting out their delay are abandoned."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- answering ---------------------------------------------------------------------

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_answer(self, request: Request) -> Reply:
        with self._lock:
            answer = self._queue.popleft() if self._queue else None
        if answer is None and self.respond is not None:
            answer = self.respond(request)
        if answer is None:
            return Reply(status=400, error="fake server: no scripted reply left")
        return answer if isinstance(answer, Reply) else Reply(content=answer)

    def _chat(self, request: Request) -> tuple[Reply, dict[str, Any] | None]:
        """The reply to send and, for a completion, its JSON body."""
        if self.api_key is not None:
            given = request.headers.get("authorization", "")
            if given != f"Bearer {self.api_key}":
                key = given.removeprefix("Bearer ")
                return Reply(status=401, error=f"Incorrect API key provided: {key}",
                             error_code="invalid_api_key"), None
        payload = request.json
        model = str(payload.get("model", ""))
        if model not in self.models:
            return Reply.unknown_model(model), None
        n = int(payload.get("n") or 1)
        if n > 1 and self.n_support == "reject":
            return Reply(status=400, error="'n' must be 1 for this model", error_code="n"), None
        reply = self._next_answer(request)
        if reply.status != 200 or reply.body is not None:
            return reply, None
        texts = [reply.content] if isinstance(reply.content, str) else list(reply.content)
        wanted = 1 if self.n_support == "ignore" else n
        if len(texts) < wanted:
            texts += [texts[-1]] * (wanted - len(texts))
        texts = texts[:wanted]
        # Like a real endpoint, stop a completion at its token cap.
        finish_reason = reply.finish_reason
        cap = payload.get("max_completion_tokens") or payload.get("max_tokens")
        if (isinstance(cap, int) and not reply.ignores_cap
                and any(_tokens(text) > cap for text in texts)):
            texts = [text[: cap * 4] for text in texts]
            finish_reason = "length"
        usage: dict[str, int] | None
        if reply.usage is None:
            prompt = sum(_tokens(str(m.get("content", ""))) + 4 for m in request.messages)
            completion = sum(_tokens(text) for text in texts)
            usage = {"prompt_tokens": prompt, "completion_tokens": completion,
                     "total_tokens": prompt + completion}
        else:
            usage = dict(reply.usage) or None
        body: dict[str, Any] = {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": reply.model or model,
            "choices": [
                {"index": index, "finish_reason": finish_reason,
                 "message": {"role": "assistant", "content": text}}
                for index, text in enumerate(texts)
            ],
        }
        if usage is not None:
            body["usage"] = usage
        return reply, body


def _tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 4)


def fenced(code: str, prose: str = "Here is the fixed function.") -> str:
    """A model-style reply: a line of prose, then ``code`` in a ```python fence."""
    return f"{prose}\n\n```python\n{textwrap.dedent(code).strip()}\n```\n"


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A started :class:`OpenAIServer` serving ``fake-model``; stopped after the test.

    Queue answers with ``openai_server.add(...)`` or set ``openai_server.respond``;
    point a client (or ``OPENAI_BASE_URL``) at ``openai_server.url``.
    """
    with OpenAIServer() as server:
        yield server
