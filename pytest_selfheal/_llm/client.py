"""The LLM client: budgets, retries, ``n``, accounting, the store, and secrecy."""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from pytest_selfheal._llm.budget import (
    Budget,
    Message,
    price_for,
    prompt_token_bound,
)
from pytest_selfheal._llm.records import ClientOptions, Completion
from pytest_selfheal._llm.transport import (
    COMPLETION_TOKENS,
    ChatReply,
    ChatRequest,
    Endpoint,
    OpenAITransport,
    ReplayTransport,
    Retry,
    Transport,
    Unsupported,
)
from pytest_selfheal._redaction import add_secret, redact
from pytest_selfheal._store import Exchange, Store
from pytest_selfheal.errors import (
    BadReplyError,
    BudgetExhaustedError,
    EndpointError,
    LLMError,
    SelfHealWarning,
    StoreError,
    TimeBudgetError,
)

#: Below this many completion tokens a whole function does not fit: do not call.
MIN_COMPLETION_TOKENS: Final = 256
#: Replies longer than this are not a function: refused before anything parses them.
MAX_REPLY_CHARS: Final = 200_000
#: Longest ``Retry-After`` honoured, in seconds; a longer one ends the retries.
MAX_RETRY_AFTER_S: Final = 120.0


class LLMClient:
    """Asks a model for completions within the run's budgets."""

    def __init__(self, endpoint: Endpoint, budget: Budget,
                 options: ClientOptions | None = None) -> None:
        options = options or ClientOptions()
        self.endpoint = endpoint
        add_secret(endpoint.api_key)
        self.budget = budget
        self.transport: Transport = options.transport or OpenAITransport(endpoint)
        self.origin = "replay" if isinstance(self.transport, ReplayTransport) else "endpoint"
        self.run_id = options.run_id
        self.provider = options.provider
        self.cache = options.cache and self.origin == "endpoint"
        self.prices = dict(options.prices)
        self.concurrency = options.concurrency if self.origin == "endpoint" else 1
        self.retries = options.retries
        self.sleep = options.sleep
        self.clock = options.clock
        #: The error that stopped this client for the rest of the run, if any.
        self.stopped: LLMError | None = None
        #: Things the report should say once (an unknown price, a store that failed).
        self.notes: list[str] = []
        self._open_store = options.open_store
        self._store: Store | None = None
        self._store_failed = False
        self._n_supported: bool | None = None
        self._cap_parameter = "max_tokens"
        self._send_temperature = True
        self._warned: set[str] = set()
        self._seq = 0
        self._lock = threading.Lock()

    # -- secrecy -----------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` without the API key (or any other secret of the run) in it."""
        return redact(text)

    # -- asking ------------------------------------------------------------------------

    def complete(
        self,
        messages: Sequence[Message],
        *,
        n: int = 1,
        temperature: float = 0.0,
        deadline: float | None = None,
    ) -> Completion:
        """Ask for ``n`` completions of ``messages``.

        :param deadline: on :attr:`clock`, the time by which the answer is needed.
        :raises LLMError: a :class:`BudgetExhaustedError` before a call that could go
            past a budget, an :class:`EndpointError` (after which every call raises
            it again at once), or a transient or bad-reply error after the retries.
        """
        if self.stopped is not None:
            raise type(self.stopped)(str(self.stopped))
        clean = tuple({"role": str(m["role"]), "content": self.redact(str(m["content"]))}
                      for m in messages)
        started = self.clock()
        try:
            if self.cache:
                hit = self._cached(ChatRequest(self.endpoint.model, clean, n, temperature))
                if hit is not None:
                    return hit
            return self._complete(clean, n, temperature, deadline, started)
        except (EndpointError, BudgetExhaustedError) as exc:
            if not isinstance(exc, TimeBudgetError):
                self.stopped = exc  # the rest of the run cannot do better
            raise

    def _complete(self, messages: tuple[Message, ...], n: int, temperature: float,
                  deadline: float | None, started: float) -> Completion:
        results: list[tuple[int, ChatReply, int]] = []
        if n > 1 and self._n_supported is not False:
            try:
                results.append(self._request(messages, n, temperature, deadline))
            except Unsupported:
                self._n_supported = False
                self._note("the endpoint refuses n > 1: up to "
                           f"{self.concurrency} requests are sent in parallel instead")
            else:
                answered = len(results[0][1].texts)
                if answered < n and self._n_supported is None:
                    self._note("the endpoint answers one completion per request (it ignores "
                               f"n): up to {self.concurrency} requests are sent in parallel "
                               "instead")
                self._n_supported = answered >= n
        missing = n - sum(len(reply.texts) for _, reply, _ in results)
        if missing > 0:
            errors: list[LLMError] = []
            with ThreadPoolExecutor(max_workers=min(self.concurrency, missing)) as pool:
                futures = [pool.submit(self._request, messages, 1, temperature, deadline)
                           for _ in range(missing)]
                for future in futures:
                    try:
                        results.append(future.result())
                    except LLMError as exc:
                        errors.append(exc)
            if not results:
                raise errors[0]
        # Ordered as the replies came in (and were recorded), which replay reproduces.
        results.sort(key=lambda item: item[0])
        texts = tuple(text for _, reply, _ in results for text in reply.texts)[:n]
        reasons = tuple(reason for _, reply, _ in results for reason in reply.finish_reasons)[:n]
        prompt = sum(self._tokens(reply)[0] for _, reply, _ in results)
        completion = sum(self._tokens(reply)[1] for _, reply, _ in results)
        return Completion(texts=texts, finish_reasons=reasons, prompt_tokens=prompt,
                          completion_tokens=completion, cost=self._cost(prompt, completion),
                          latency_s=self.clock() - started,
                          calls=sum(tries for _, _, tries in results), origin=self.origin)

    def _request(self, messages: tuple[Message, ...], n: int, temperature: float,
                 deadline: float | None) -> tuple[int, ChatReply, int]:
        """One request with its retries: ``(seq, reply, requests sent)``."""
        attempt = 0
        while True:
            timeout = self.endpoint.request_timeout_s
            if deadline is not None:
                left = deadline - self.clock()
                if left <= 1.0:
                    raise TimeBudgetError("the time budget of this failure is spent "
                                          "(raise --selfheal-timeout)")
                timeout = min(timeout, left)
            request, tokens_bound, cost_bound = self._admit(messages, n, temperature)
            attempt += 1
            sent = self.clock()
            try:
                reply = self.transport.send(request, timeout)
            except Retry as retry:
                self.budget.settle(tokens_bound, cost_bound, 0, 0.0)
                self._record(request, None, self.clock() - sent, str(retry.error))
                wait = self._wait(retry, attempt, deadline)
                if wait is None:
                    raise retry.error from retry
                self.sleep(wait)
                continue
            except Unsupported as refused:
                self.budget.settle(tokens_bound, cost_bound, 0, 0.0)
                self._record(request, None, self.clock() - sent, str(refused))
                if refused.parameter == "n":
                    raise
                self._adapt(refused)
                continue
            except LLMError as exc:
                self.budget.settle(tokens_bound, cost_bound, 0, 0.0)
                self._record(request, None, self.clock() - sent, str(exc))
                raise
            reply = ChatReply(texts=tuple(self.redact(text) for text in reply.texts),
                              finish_reasons=reply.finish_reasons,
                              prompt_tokens=reply.prompt_tokens,
                              completion_tokens=reply.completion_tokens, model=reply.model)
            prompt, completion = self._tokens(reply, request)
            self.budget.settle(tokens_bound, cost_bound, prompt + completion,
                               self._cost(prompt, completion))
            seq = self._record(request, reply, self.clock() - sent, "")
            size = sum(len(text) for text in reply.texts)
            if size > MAX_REPLY_CHARS * max(1, len(reply.texts)):
                raise BadReplyError(f"the reply has {size:,} characters, more than a function "
                                    f"can need ({MAX_REPLY_CHARS:,} per completion)")
            return seq, reply, attempt

    def _admit(self, messages: tuple[Message, ...], n: int,
               temperature: float) -> tuple[ChatRequest, int, float]:
        """The request to send and its reservation, sized to what the budgets leave."""
        prompt_bound = prompt_token_bound(messages)
        cap = COMPLETION_TOKENS
        tokens_left = self.budget.tokens_left()
        if math.isfinite(tokens_left):
            cap = min(cap, int((tokens_left - prompt_bound) // n))
        price = self._price()
        cost_left = self.budget.cost_left()
        if price is not None and price[1] > 0 and math.isfinite(cost_left):
            affordable = (cost_left - prompt_bound * price[0] / 1e6) / (price[1] / 1e6) / n
            cap = min(cap, int(affordable))
        if cap < MIN_COMPLETION_TOKENS:
            # Let reserve() name the budget that is short, with the smallest useful call.
            cap = MIN_COMPLETION_TOKENS
        tokens_bound = prompt_bound + n * cap
        cost_bound = self._cost(prompt_bound, n * cap)
        self.budget.reserve(tokens_bound, cost_bound)
        request = ChatRequest(self.endpoint.model, messages, n, temperature, cap,
                              self._cap_parameter, self._send_temperature)
        return request, tokens_bound, cost_bound

    def _wait(self, retry: Retry, attempt: int, deadline: float | None) -> float | None:
        """Seconds to wait before the next attempt, ``None`` to give up."""
        if attempt > self.retries:
            return None
        wait = retry.retry_after
        if wait is None:
            wait = 0.5 * 2 ** (attempt - 1)
        elif wait > MAX_RETRY_AFTER_S:
            return None
        if deadline is not None and self.clock() + wait >= deadline - 1.0:
            return None  # waiting would use up the failure's time: give up now
        return wait

    def _adapt(self, refused: Unsupported) -> None:
        with self._lock:
            if refused.parameter == "max_tokens":
                self._cap_parameter = "max_completion_tokens"
            elif refused.parameter == "temperature":
                self._send_temperature = False
        self._note(f"the endpoint refuses the parameter {refused.parameter!r}; it is adapted "
                   "for the rest of the run")

    # -- accounting --------------------------------------------------------------------

    def _price(self) -> tuple[float, float] | None:
        return price_for(self.endpoint.model, self.prices)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        price = self._price()
        if price is None:
            self._warn_unpriced()
            return 0.0
        return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1e6

    def _warn_unpriced(self) -> None:
        model = self.endpoint.model
        with self._lock:
            if model in self._warned:
                return
            self._warned.add(model)
        message = (f"no price is known for the model {model!r}: its calls are counted as "
                   f"costing $0; set selfheal_prices = {model}=INPUT/OUTPUT (USD per million "
                   "tokens) to count them")
        self._note(message)
        # filterwarnings=error turns the warning into an exception: the note still says it.
        with contextlib.suppress(SelfHealWarning):
            warnings.warn(message, SelfHealWarning, stacklevel=2)

    def _tokens(self, reply: ChatReply, request: ChatRequest | None = None) -> tuple[int, int]:
        """Prompt and completion tokens: as reported, else a bound from the text."""
        prompt = reply.prompt_tokens
        if prompt is None:
            prompt = prompt_token_bound(request.messages) if request is not None else 0
        completion = reply.completion_tokens
        if completion is None:
            completion = sum(len(text.encode("utf-8")) for text in reply.texts)
        return prompt, completion

    def _note(self, note: str) -> None:
        with self._lock:
            if note not in self.notes:
                self.notes.append(note)

    # -- the store ---------------------------------------------------------------------

    def store(self) -> Store | None:
        """The store, opened at first use; ``None`` when there is none or it failed."""
        with self._lock:
            if self._store is None and self._open_store is not None and not self._store_failed:
                try:
                    self._store = self._open_store()
                    self._store.begin_run(self.run_id, time.strftime("%Y-%m-%dT%H:%M:%S"),
                                          self.provider, self.endpoint.model)
                except StoreError as exc:
                    self._store_failed = True
                    self._store = None
                    self.notes.append(f"LLM exchanges are not recorded: {exc}")
            return self._store

    def _cached(self, request: ChatRequest) -> Completion | None:
        store = self.store()
        if store is None:
            return None
        try:
            hit = store.cached(request.hash)
        except StoreError:
            return None
        if hit is None or len(hit.replies) < request.n:
            return None
        with self._lock:
            self.budget.cached += 1
        reply = ChatReply(hit.replies, hit.finish_reasons, 0, 0, hit.model)
        self._record(request, reply, 0.0, "", origin="cache")
        return Completion(texts=hit.replies[: request.n],
                          finish_reasons=hit.finish_reasons[: request.n], prompt_tokens=0,
                          completion_tokens=0, cost=0.0, latency_s=0.0, calls=0, origin="cache")

    def _record(self, request: ChatRequest, reply: ChatReply | None, latency_s: float,
                error: str, *, origin: str | None = None) -> int:
        with self._lock:
            self._seq += 1
            seq = self._seq
        store = self.store()
        if store is None:
            return seq
        prompt, completion = (0, 0) if reply is None else self._tokens(reply, request)
        cost = 0.0 if origin == "cache" or reply is None else self._cost(prompt, completion)
        exchange = Exchange(
            run_id=self.run_id, request_hash=request.hash, model=request.model,
            messages=request.messages,
            params={"n": request.n, "temperature": request.temperature,
                    request.cap_parameter: request.max_tokens},
            replies=() if reply is None else reply.texts,
            finish_reasons=() if reply is None else reply.finish_reasons,
            prompt_tokens=0 if origin == "cache" else prompt,
            completion_tokens=0 if origin == "cache" else completion,
            latency_s=latency_s, cost=cost, origin=origin or self.origin,
            error=self.redact(error), seq=seq,
        )
        try:
            store.record(exchange)
        except StoreError as exc:
            self._note(f"LLM exchanges are not recorded: {exc}")
        return seq
