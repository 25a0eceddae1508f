from __future__ import annotations

import pytest

from pytest_selfheal.errors import SettingsError
from pytest_selfheal.settings import from_raw, resolve_raw


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
    ],
)
def test_bad_values_name_the_flag_and_the_value(cli, message):
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        settings_from(cli=cli)


def test_bad_value_from_the_environment_names_the_variable():
    with pytest.raises(SettingsError, match=r"^SELFHEAL_WORKERS must be a positive integer"):
        settings_from(env={"SELFHEAL_WORKERS": "-2"})


def test_llm_provider_is_refused_until_it_exists():
    with pytest.raises(SettingsError, match="'openai' is not available in this release yet"):
        settings_from(cli={"provider": "openai"})


def test_auto_says_why_it_stays_offline_when_a_key_is_set():
    settings = settings_from(env={"OPENAI_API_KEY": "sk-secret"})
    assert settings.provider == "offline"
    assert "OPENAI_API_KEY set" in settings.header
    assert "sk-secret" not in settings.header


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
