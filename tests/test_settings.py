from __future__ import annotations

import re

import pytest

from pytest_selfheal._options import resolve_raw
from pytest_selfheal._settings import from_raw
from pytest_selfheal.errors import SettingsError


def settings_from(cli=None, ini=None, env=None):
    return from_raw(resolve_raw(cli or {}, ini or {}, env or {}), env or {})


def test_defaults_use_the_offline_engine_on_a_branch():
    settings = settings_from()
    assert settings.provider == "offline"
    assert settings.mode == "branch"
    assert settings.branch_prefix == "selfheal/"
    assert settings.timeout_s == 120
    assert settings.workers >= 1
    assert "no LLM endpoint configured" in settings.header


def test_command_line_beats_ini_beats_environment():
    env = {"SELFHEAL_TIMEOUT": "30", "SELFHEAL_WORKERS": "3", "SELFHEAL_MODE": "apply"}
    settings = settings_from(cli={"timeout": "10"}, ini={"timeout": "20", "workers": "2"}, env=env)
    assert settings.timeout_s == 10
    assert settings.workers == 2
    assert settings.mode == "apply"


def test_empty_ini_value_falls_through_to_the_environment():
    settings = settings_from(ini={"workers": ""}, env={"SELFHEAL_WORKERS": "5"})
    assert settings.workers == 5


@pytest.mark.parametrize(
    ("cli", "message"),
    [
        ({"workers": "0"}, "--selfheal-workers must be a positive integer, got '0'"),
        ({"max-candidates": "many"}, "--selfheal-max-candidates must be a positive integer, "
                                     "got 'many'"),
        ({"timeout": "-1"}, "--selfheal-timeout must be a positive number of seconds, got '-1'"),
        ({"timeout": "inf"}, "--selfheal-timeout must be a positive number of seconds, got 'inf'"),
        ({"mode": "yolo"}, "--selfheal-mode must be one of branch, apply, suggest, got 'yolo'"),
        ({"provider": "gpt"}, "--selfheal-provider must be one of auto, offline, openai, replay"),
        ({"branch-prefix": "bad prefix"}, "--selfheal-branch-prefix must be a valid git branch"),
        ({"engine": "genetic"}, "--selfheal-engine must be one of refine, evolve, got 'genetic'"),
        ({"population": "0"}, "--selfheal-population must be a positive integer, got '0'"),
        ({"noise-floor": "5%"}, "--selfheal-noise-floor must be a fraction such as '0.05'"),
        ({"optimize": "shop.cart.total"}, "--selfheal-optimize must name module:function such "
                                          "as 'shop.cart:total', got 'shop.cart.total'"),
        ({"optimize": "shop.cart:total"}, "--selfheal-optimize needs an LLM endpoint"),
    ],
)
def test_bad_values_name_the_flag_and_the_value(cli, message):
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        settings_from(cli=cli)


def test_bad_value_from_the_environment_names_the_variable():
    with pytest.raises(SettingsError, match=r"^SELFHEAL_WORKERS must be a positive integer"):
        settings_from(env={"SELFHEAL_WORKERS": "-2"})


def test_openai_provider_without_key_or_endpoint_says_what_to_set():
    with pytest.raises(SettingsError, match="'openai' needs an endpoint: set OPENAI_API_KEY"):
        settings_from(cli={"provider": "openai"})


def test_auto_picks_openai_when_a_key_is_set_and_never_shows_the_key():
    settings = settings_from(env={"OPENAI_API_KEY": "sk-secret-sentinel"})
    assert settings.provider == "openai"
    assert "OPENAI_API_KEY set" in settings.header
    assert "model gpt-4o-mini at https://api.openai.com/v1" in settings.header
    assert "sk-secret-sentinel" not in settings.header
    assert "sk-secret-sentinel" not in repr(settings)


def test_auto_picks_openai_for_a_base_url_and_hides_its_credentials():
    env = {"OPENAI_BASE_URL": "http://user:hunter22@localhost:11434/v1"}
    settings = settings_from(env=env)
    assert settings.provider == "openai"
    assert settings.llm.base_url == "http://user:hunter22@localhost:11434/v1"
    assert "at http://localhost:11434/v1" in settings.header
    assert "hunter22" not in settings.header


def test_the_key_variable_can_be_renamed_and_the_model_chosen():
    settings = settings_from(ini={"api-key-env": "GROQ_API_KEY", "model": "llama-3.1-8b"},
                             env={"GROQ_API_KEY": "gsk-abc"})
    assert settings.provider == "openai"
    assert "GROQ_API_KEY set" in settings.provider_note
    assert settings.llm.model == "llama-3.1-8b"


def test_budgets_and_prices_are_read_from_their_options():
    settings = settings_from(cli={"max-llm-calls": "3", "max-tokens": "9000", "max-cost": "0.25",
                                  "prices": "local=0/0, big=5/15", "cache": "true",
                                  "rounds": "2", "completions": "4"})
    assert (settings.llm.max_calls, settings.llm.max_tokens, settings.llm.max_cost) == (
        3, 9000, 0.25)
    assert settings.llm.prices == {"local": (0.0, 0.0), "big": (5.0, 15.0)}
    assert settings.llm.cache is True
    assert (settings.llm.rounds, settings.llm.completions) == (2, 4)


@pytest.mark.parametrize(
    ("cli", "message"),
    [
        ({"max-llm-calls": "0"}, "--selfheal-max-llm-calls must be a positive integer, got '0'"),
        ({"max-cost": "free"}, "--selfheal-max-cost must be a number of US dollars"),
        ({"prices": "gpt=cheap"}, "--selfheal-prices must list model=INPUT/OUTPUT prices"),
        ({"base-url": "localhost:11434"}, "--selfheal-base-url must be an http:// or https://"),
        ({"api-key-env": "sk-abc123"}, "--selfheal-api-key-env must be the name of an "
                                      "environment variable"),
        ({"cache": "maybe"}, "--selfheal-cache must be true or false, got 'maybe'"),
    ],
)
def test_bad_llm_values_name_the_flag(cli, message):
    with pytest.raises(SettingsError, match="^" + re.escape(message)):
        settings_from(cli=cli)


def test_a_key_given_as_the_key_variable_name_is_not_echoed():
    with pytest.raises(SettingsError) as excinfo:
        settings_from(cli={"api-key-env": "sk-secret-sentinel-value"})
    assert "sk-secret-sentinel-value" not in str(excinfo.value)


def test_bad_flag_is_a_usage_error_with_exit_code_4(pytester: pytest.Pytester):
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--selfheal", "--selfheal-workers", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--selfheal-workers must be a positive integer, got '0'*"])


def test_bad_ini_key_is_a_usage_error_naming_the_key(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nselfheal_mode = sideways\n")
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--selfheal")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*selfheal_mode must be one of branch, apply, suggest, "
                                 "got 'sideways'*"])


def test_options_are_not_validated_without_the_selfheal_flag(pytester: pytest.Pytester):
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest("--selfheal-workers", "0")
    assert result.ret == pytest.ExitCode.OK
