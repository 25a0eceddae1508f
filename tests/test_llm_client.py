"""The LLM client against a real HTTP server on loopback, through the real `openai`
client: budgets, retries, faults, n, the store, the cache and secrecy."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pytest_selfheal._llm import (
    Budget,
    BudgetLimits,
    ClientOptions,
    Endpoint,
    LLMClient,
    ReplayTransport,
)
from pytest_selfheal._store import Store
from pytest_selfheal.errors import (
    BadReplyError,
    BudgetExhaustedError,
    EndpointUnreachableError,
    LLMAuthenticationError,
    ModelNotFoundError,
    ReplayMissError,
    TransientLLMError,
)
from pytest_selfheal.testing import OpenAIServer, Reply

SECRET = "sk-client-test-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "fix is_adult"}]


class Waits:
    """Records the client's waits between retries instead of sleeping through them."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def make_client(server: OpenAIServer, tmp_path: Path, *, limits: BudgetLimits | None = None,
                waits: Waits | None = None, model: str = "fake-model", timeout_s: float = 30.0,
                cache: bool = False, run_id: str = "run-1",
                prices: dict[str, tuple[float, float]] | None = None) -> LLMClient:
    endpoint = Endpoint(model=model, base_url=server.url, api_key=SECRET,
                        request_timeout_s=timeout_s)
    return LLMClient(endpoint, Budget(limits or BudgetLimits()), ClientOptions(
        run_id=run_id, open_store=lambda: Store.for_project(tmp_path), cache=cache,
        sleep=waits or Waits(), prices=prices or {"fake-model": (1.0, 2.0)}))


def test_a_completion_is_answered_counted_and_recorded(tmp_path: Path) -> None:
    with OpenAIServer(["def f():\n    return 1"]) as server:
        client = make_client(server, tmp_path)
        completion = client.complete(MESSAGES)
    assert completion.texts == ("def f():\n    return 1",)
    assert client.budget.calls == 1
    assert client.budget.tokens == completion.prompt_tokens + completion.completion_tokens > 0
    assert client.budget.cost == pytest.approx(
        (completion.prompt_tokens * 1 + completion.completion_tokens * 2) / 1e6)
    (exchange,) = Store.for_project(tmp_path).exchanges("run-1")
    assert exchange.replies == completion.texts
    assert exchange.messages == tuple(MESSAGES)


def test_rate_limit_and_server_errors_are_retried_honouring_retry_after(tmp_path: Path) -> None:
    waits = Waits()
    with OpenAIServer([Reply.rate_limited(7), Reply.server_error(503), "fixed"]) as server:
        client = make_client(server, tmp_path, waits=waits)
        completion = client.complete(MESSAGES)
    assert completion.texts == ("fixed",)
    assert len(server.chat_requests) == 3
    assert waits.seconds[0] == 7  # the server's Retry-After, not the client's backoff
    assert completion.calls == 3  # retries count
    assert client.budget.calls == 3


@pytest.mark.parametrize("fault", [Reply.malformed(), Reply.truncated(), Reply.server_error()])
def test_a_fault_that_persists_ends_in_an_error_after_the_retries(tmp_path: Path,
                                                                  fault: Reply) -> None:
    with OpenAIServer([fault] * 4) as server:
        client = make_client(server, tmp_path)
        with pytest.raises((TransientLLMError, BadReplyError)):
            client.complete(MESSAGES)
        assert len(server.chat_requests) == 4  # one try and three retries
        assert client.stopped is None  # a later call may still work
        server.add("better now")
        assert client.complete(MESSAGES).texts == ("better now",)


def test_a_reply_slower_than_the_timeout_is_given_up_on_and_retried(tmp_path: Path) -> None:
    with OpenAIServer([Reply.slow(30, "too late"), "in time"]) as server:
        client = make_client(server, tmp_path, timeout_s=0.5)
        assert client.complete(MESSAGES).texts == ("in time",)


def test_a_huge_reply_is_refused(tmp_path: Path) -> None:
    with OpenAIServer([Reply.huge()]) as server:
        client = make_client(server, tmp_path)
        with pytest.raises(BadReplyError, match="more than a function can need"):
            client.complete(MESSAGES)


def test_the_call_budget_holds_exactly_and_failed_calls_count(tmp_path: Path) -> None:
    with OpenAIServer([Reply.server_error(), "one", "two", "three"]) as server:
        client = make_client(server, tmp_path, limits=BudgetLimits(max_calls=3))
        client.complete(MESSAGES)  # a 500 and its retry: two calls
        client.complete(MESSAGES)
        with pytest.raises(BudgetExhaustedError, match="budget of 3 LLM calls"):
            client.complete(MESSAGES)
    assert len(server.chat_requests) == 3
    assert client.budget.report()["calls"] == {"used": 3, "allowed": 3}


def test_the_cost_budget_is_never_exceeded(tmp_path: Path) -> None:
    # $2 per million output tokens and $0.005 allowed: a few calls, then a refusal
    # before a call that could go past it, not after.
    with OpenAIServer(respond=lambda request: "x" * 2000) as server:
        client = make_client(server, tmp_path, limits=BudgetLimits(max_cost=0.005))
        with pytest.raises(BudgetExhaustedError, match="cost budget"):  # noqa: PT012
            for _ in range(100):
                client.complete(MESSAGES)
    assert 0 < client.budget.cost <= 0.005
    assert client.budget.calls == len(server.chat_requests)


def test_the_token_budget_is_never_exceeded(tmp_path: Path) -> None:
    with OpenAIServer(respond=lambda request: "y" * 4000) as server:
        client = make_client(server, tmp_path, limits=BudgetLimits(max_tokens=5000))
        with pytest.raises(BudgetExhaustedError, match="token budget"):  # noqa: PT012
            for _ in range(100):
                client.complete(MESSAGES)
    assert 0 < client.budget.tokens <= 5000


@pytest.mark.parametrize("n_support", ["yes", "ignore", "reject"])
def test_several_completions_come_with_n_or_from_parallel_requests(tmp_path: Path,
                                                                   n_support: str) -> None:
    with OpenAIServer(respond=lambda request: "answer", n_support=n_support) as server:
        client = make_client(server, tmp_path)
        completion = client.complete(MESSAGES, n=3)
    assert completion.texts == ("answer",) * 3


def test_wrong_key_stops_the_client_and_the_key_is_never_shown(tmp_path: Path) -> None:
    with OpenAIServer(api_key="sk-the-right-one-0000000000") as server:
        client = make_client(server, tmp_path)
        with pytest.raises(LLMAuthenticationError, match="refused the API key") as caught:
            client.complete(MESSAGES)
        with pytest.raises(LLMAuthenticationError):
            client.complete(MESSAGES)  # stopped: no second request
        assert len(server.chat_requests) == 1
    # The server echoed the key it got; neither the error nor the store repeats it.
    assert SECRET not in str(caught.value)
    assert SECRET.encode() not in (tmp_path / ".selfheal/selfheal.db").read_bytes()


def test_unknown_model_stops_the_client(tmp_path: Path) -> None:
    with OpenAIServer() as server:
        client = make_client(server, tmp_path, model="no-such-model")
        with pytest.raises(ModelNotFoundError, match="does not serve the model 'no-such-model'"):
            client.complete(MESSAGES)


def test_an_unreachable_endpoint_stops_the_client(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = Endpoint(model="fake-model", base_url=f"http://127.0.0.1:{port}/v1",
                        api_key=SECRET)
    client = LLMClient(endpoint, Budget(BudgetLimits()), ClientOptions(sleep=Waits()))
    with pytest.raises(EndpointUnreachableError, match="cannot reach the LLM endpoint"):
        client.complete(MESSAGES)
    assert client.stopped is not None


def test_identical_requests_are_served_from_the_cache_when_asked(tmp_path: Path) -> None:
    with OpenAIServer(["first answer"]) as server:
        make_client(server, tmp_path).complete(MESSAGES)
        cached = make_client(server, tmp_path, cache=True, run_id="run-2").complete(MESSAGES)
        assert len(server.chat_requests) == 1
    assert cached.texts == ("first answer",)
    assert cached.origin == "cache"


def test_replay_serves_a_recorded_run_without_any_endpoint(tmp_path: Path) -> None:
    with OpenAIServer(["recorded answer"]) as server:
        make_client(server, tmp_path).complete(MESSAGES)
    store = Store.for_project(tmp_path)
    transport = ReplayTransport("run-1", store.exchanges("run-1"))
    # An endpoint that does not exist: replay must not need one.
    client = LLMClient(Endpoint(model="fake-model", base_url="http://127.0.0.1:9/v1"),
                       Budget(BudgetLimits()), ClientOptions(transport=transport))
    assert client.complete(MESSAGES).texts == ("recorded answer",)
    with pytest.raises(ReplayMissError, match="has no reply to this request"):
        client.complete([{"role": "user", "content": "something never asked"}])


def test_users_get_the_fake_server_as_a_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["pytest_selfheal.testing"]\n')
    pytester.makepyfile('''
        import openai
        from pytest_selfheal.testing import Reply

        def test_my_code_against_a_scripted_model(openai_server):
            openai_server.add(Reply.rate_limited(0), "hello")
            client = openai.OpenAI(base_url=openai_server.url, api_key="k", max_retries=1)
            reply = client.chat.completions.create(
                model="fake-model", messages=[{"role": "user", "content": "hi"}])
            assert reply.choices[0].message.content == "hello"
            assert len(openai_server.chat_requests) == 2
            assert openai_server.chat_requests[-1].messages[0]["content"] == "hi"
    ''')
    result = pytester.runpytest_subprocess()  # a fresh process: the fixture's own plugin load
    result.assert_outcomes(passed=1)
