"""End to end: `pytest --selfheal` on real projects in real git repositories.

Every run is a subprocess (pytester.run) because healing hot-reloads the project's
modules and imports them by path: in-process runs would share sys.modules with this
test session and with each other.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from ages_project import FIXED_RULES, PROJECT, RULES
from checkouts import selfheal_branches, user_state

from pytest_selfheal.testing import git, make_git_project


def run_selfheal(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.run(sys.executable, "-m", "pytest", "--selfheal", *args, timeout=300)


def test_failing_test_is_healed_onto_a_branch_and_the_checkout_is_untouched(
    workdir: Path, pytester: pytest.Pytester,
):
    root = make_git_project(workdir, PROJECT)
    before = user_state(root)

    result = run_selfheal(pytester, "--selfheal-report", "report.json")

    # The original outcome stands: the test failed, so pytest fails.
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1, passed=5)
    result.stdout.fnmatch_lines([
        "*selfheal: provider offline (no LLM endpoint configured)*",
        "*= selfheal =*",
        "HEALED   tests/test_rules.py::test_adult_at_18 (*",
        "  fix: line 3: `age > 18` -> `age >= 18`*",
        "  branch: selfheal/*-test-adult-at-18 (commit *",
        "  reloaded into this session: yes; re-run: passed",
        "1 healed; the test outcomes above are those of the original code",
    ])
    (branch,) = selfheal_branches(root)
    assert git(root, "log", "--format=%s", f"main..{branch}").splitlines() == [
        "fix(ages.rules): heal test_adult_at_18"
    ]
    assert git(root, "show", f"{branch}:src/ages/rules.py") == FIXED_RULES
    assert git(root, "diff", "--name-only", "main", branch).split() == ["src/ages/rules.py"]
    body = git(root, "log", "-1", "--format=%B", branch)
    assert "Selfheal-Engine: offline" in body
    assert "tests/test_rules.py::test_adult_at_18 failed with AssertionError" in body

    (root / "report.json").unlink()  # the one file the user asked for
    assert user_state(root) == before


def test_json_report_describes_the_heal(
    workdir: Path, pytester: pytest.Pytester):
    root = make_git_project(workdir, PROJECT)
    result = run_selfheal(pytester, "--selfheal-report", "out/report.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    report = json.loads((root / "out/report.json").read_text())
    assert report["provider"] == "offline"
    assert set(report) >= {"version", "provider", "model", "seed", "started", "elapsed_s",
                           "budget", "heals"}
    (heal,) = report["heals"]
    assert heal["tests"] == ["tests/test_rules.py::test_adult_at_18"]
    assert heal["status"] == "healed"
    assert heal["engine"] == "offline"
    assert heal["files"] == ["src/ages/rules.py"]
    assert heal["branch"] == selfheal_branches(root)[0]
    assert heal["commit"] == git(root, "rev-parse", heal["branch"]).strip()
    assert "-    return age > 18\n+    return age >= 18\n" in heal["diff"]
    assert heal["suspects"][0]["function"] == "src/ages/rules.py::is_adult"
    assert heal["reloaded"] is True
    assert heal["rerun_outcome"] == "passed"
    assert heal["verified"] is True
    # test_adult_at_40, test_not_adult_at_17 and test_teen also cover is_adult: one of
    # them never ran in the search, and the fix passed it; two are needed to verify it.
    assert heal["assurance"] == "plausible"
    assert heal["held_out_tests"] == 1
    # It confirms the fix only if localization had time to line-measure it (on a busy
    # machine its box may end first): never more than the held-out tests.
    assert heal["confirming_tests"] in (0, 1)
    assert heal["candidates_evaluated"] >= 1
    assert heal["winner"]["pass_rate"] == 1.0
    assert heal["winner"]["tests_passed"] == heal["winner"]["tests_total"] >= 4
    assert heal["leaderboard"][0]["change"] == "line 3: `age > 18` -> `age >= 18`"
    assert heal["leaderboard"][0]["passed"] is True
    # What the next run in this project learns from: the winning operator is counted.
    rates = json.loads((root / ".selfheal" / "operators.json").read_text())["operators"]
    assert rates["compare-swap"]["won"] == 1
    # The leaderboard shows the best 20: the search judged no more here before labels
    # looked for other passing candidates.
    assert len(heal["leaderboard"]) == min(20, heal["candidates_evaluated"])


def test_a_fix_no_held_out_test_could_confirm_is_called_plausible(
    workdir: Path, pytester: pytest.Pytester):
    # One test, the failing one: nothing is held out. It checks 17, 3 and 40 as well, so
    # that the fixes passing it agree (fixes that disagree are not committed).
    make_git_project(workdir, {**PROJECT, "tests/test_rules.py": (
        "from ages.rules import is_adult\n\n\n"
        "def test_adult_at_18():\n    assert is_adult(18)\n"
        "    assert not is_adult(17)\n    assert not is_adult(3)\n    assert is_adult(40)\n")})
    result = run_selfheal(pytester, "--selfheal-report", "report.json")
    result.stdout.fnmatch_lines([
        "HEALED   tests/test_rules.py::test_adult_at_18 (*",
        "  plausible: 0 of 0 held-out tests confirm it",
        "    - no test the search never ran covers the function to confirm it",
    ])
    (heal,) = json.loads((workdir / "report.json").read_text())["heals"]
    assert (heal["assurance"], heal["held_out_tests"]) == ("plausible", 0)


WRAP = '''\
def line_length(words):
    """Width of ``words`` joined by single spaces."""
    if not words:
        return 0
    return sum(len(word) for word in words) + len(words)
'''

WRAP_TESTS = '''\
from text.wrap import line_length


def test_one_word():
    assert line_length(["hello"]) == 5


def test_two_words():
    assert line_length(["a", "bb"]) == 4


def test_no_words():
    assert line_length([]) == 0
'''


def test_a_fix_that_also_repairs_the_other_failing_tests_beats_one_that_fits_one(
    workdir: Path, pytester: pytest.Pytester):
    # `+ len(words)` -> `* len(words)` makes test_one_word pass (5 * 1) and is tried
    # first; only `len(words) - 1` fixes test_two_words as well.
    make_git_project(workdir, {**PROJECT, "src/text/__init__.py": "",
                               "src/text/wrap.py": WRAP, "tests/test_rules.py": WRAP_TESTS})
    result = run_selfheal(pytester, "--selfheal-report", "report.json", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    heal = json.loads((workdir / "report.json").read_text())["heals"][0]
    assert heal["status"] == "healed"
    assert heal["change"] == "line 5: `len(words)` -> `len(words) - 1`"
    plain = pytester.run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    plain.assert_outcomes(failed=2, passed=1)


def test_branch_checked_out_elsewhere_passes_the_whole_suite(
    workdir: Path, pytester: pytest.Pytester, tmp_path: Path
):
    root = make_git_project(workdir, PROJECT)
    run_selfheal(pytester)
    (branch,) = selfheal_branches(root)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--branch", branch, str(root), str(clone))
    result = pytester.run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(clone / "tests"), "--rootdir", str(clone), "-c",
                          str(clone / "pyproject.toml"))
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=6)


def test_later_tests_see_the_healed_code(
    workdir: Path, pytester: pytest.Pytester):
    make_git_project(workdir, PROJECT)
    result = run_selfheal(pytester, "-v", "-p", "no:randomly")
    # category(18) calls is_adult(18): it fails on the original code, passes once healed.
    result.stdout.fnmatch_lines(["*test_category_at_18_runs_after_the_heal PASSED*"])
    plain = pytester.run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    plain.assert_outcomes(failed=2, passed=4)


def test_without_the_flag_the_plugin_is_silent(
    workdir: Path, pytester: pytest.Pytester):
    root = make_git_project(workdir, PROJECT)
    result = pytester.run(sys.executable, "-m", "pytest", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2, passed=4)
    result.stdout.no_fnmatch_line("*selfheal:*")
    result.stdout.no_fnmatch_line("*= selfheal =*")
    assert selfheal_branches(root) == []


def test_without_the_flag_nothing_heavy_is_imported(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import sys

        def test_modules():
            heavy = {"pytest_selfheal.plugin._session", "pytest_selfheal._heal.healer", "git",
                     "unidiff", "openai", "coverage"}
            assert "pytest_selfheal.plugin" in sys.modules
            assert heavy.isdisjoint(sys.modules)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


def test_a_green_suite_with_the_flag_never_loads_the_healing_machinery(
        pytester: pytest.Pytester):
    # What makes --selfheal cost nothing on a green suite: evaluation, engines,
    # coverage and git are imported at the first failure only.
    pytester.makepyfile(
        """
        import sys

        def test_modules():
            heavy = {"pytest_selfheal._heal.healer", "pytest_selfheal._evaluate",
                     "pytest_selfheal.engines._offline", "git", "unidiff", "openai", "coverage"}
            assert "pytest_selfheal.plugin._session" in sys.modules
            assert heavy.isdisjoint(sys.modules), heavy & set(sys.modules)
        """
    )
    result = pytester.runpytest_subprocess("--selfheal")
    result.assert_outcomes(passed=1)


def test_outside_a_git_repository_the_diff_is_still_reported(
    workdir: Path, pytester: pytest.Pytester):
    for relpath, text in PROJECT.items():
        target = workdir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    result = run_selfheal(pytester, "--selfheal-report", "report.json")
    result.stdout.fnmatch_lines([
        "HEALED   tests/test_rules.py::test_adult_at_18 (*",
        "  | +    return age >= 18",
        "note: no branch was written: * is not inside a git work tree; run `git init` there "
        "to let selfheal write branches; the diff is in this report",
    ])
    report = json.loads((workdir / "report.json").read_text())
    assert report["heals"][0]["branch"] is None
    assert "+    return age >= 18" in report["heals"][0]["diff"]
    assert (workdir / "src/ages/rules.py").read_text() == RULES


def test_suggest_mode_writes_no_branch(
    workdir: Path, pytester: pytest.Pytester):
    root = make_git_project(workdir, PROJECT)
    result = run_selfheal(pytester, "--selfheal-mode", "suggest")
    result.stdout.fnmatch_lines(["HEALED   tests/test_rules.py::test_adult_at_18 (*"])
    assert selfheal_branches(root) == []


def test_apply_mode_also_writes_the_fix_into_the_working_tree(
    workdir: Path, pytester: pytest.Pytester):
    root = make_git_project(workdir, PROJECT)
    run_selfheal(pytester, "--selfheal-mode", "apply")
    assert (root / "src/ages/rules.py").read_text() == FIXED_RULES
    assert len(selfheal_branches(root)) == 1


def test_uncommitted_changes_to_the_suspect_file_go_into_a_separate_snapshot_commit(
    workdir: Path, pytester: pytest.Pytester,
):
    root = make_git_project(workdir, PROJECT)
    dirty = RULES + "\n\ndef is_senior(age):\n    return age >= 65\n"
    (root / "src/ages/rules.py").write_text(dirty)
    before = user_state(root)
    run_selfheal(pytester)
    (branch,) = selfheal_branches(root)
    assert git(root, "log", "--format=%s", f"main..{branch}").splitlines() == [
        "fix(ages.rules): heal test_adult_at_18",
        "selfheal: snapshot of uncommitted changes to src/ages/rules.py",
    ]
    assert git(root, "show", f"{branch}:src/ages/rules.py") == dirty.replace(
        "return age > 18", "return age >= 18")
    fix_diff = git(root, "diff", f"{branch}~1", branch)
    assert "is_senior" not in fix_diff
    assert user_state(root) == before


def test_a_bug_no_single_edit_fixes_is_reported_unhealed(
    workdir: Path, pytester: pytest.Pytester):
    greeting = 'def greet(name):\n    return "Hello " + name\n'
    root = make_git_project(workdir, {
        **PROJECT,
        "src/ages/greeting.py": greeting,
        "tests/test_greeting.py": (
            "from ages.greeting import greet\n\n\n"
            "def test_greet():\n    assert greet('Ada') == 'Hello, Ada!'\n"
        ),
    })
    result = run_selfheal(pytester, "--selfheal-report", "report.json",
                          "tests/test_greeting.py")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "UNHEALED tests/test_greeting.py::test_greet (*",
        "  why: none of the * candidate fixes passed the tests",
        "  suspects: src/ages/greeting.py::greet (*",
    ])
    report = json.loads((root / "report.json").read_text())
    assert report["heals"][0]["status"] == "unhealed"
    assert selfheal_branches(root) == []


def test_a_module_with_doctests_is_still_code_that_can_be_healed(
    workdir: Path, pytester: pytest.Pytester):
    # `--doctest-modules` collects the library module itself: its doctest items do not
    # make it a test file, which healing would never change.
    doctested = RULES.replace('    if age < 13:\n',
                              '    """>>> category(5)\n    \'child\'\n    """\n'
                              '    if age < 13:\n')
    make_git_project(workdir, {**PROJECT, "src/ages/rules.py": doctested})
    result = run_selfheal(pytester, "--doctest-modules", "--selfheal-report", "report.json")
    result.stdout.fnmatch_lines(["HEALED   tests/test_rules.py::test_adult_at_18 (*",
                                 "  fix: line 3: `age > 18` -> `age >= 18`*"])


SIGN = '''\
def sign(x):
    if x > 0:
        return 2
    if x < 0:
        return -1
    return 1
'''

SIGN_TESTS = '''\
from numbers_pkg.sign import sign


def test_positive():
    assert sign(5) == 1


def test_negative():
    assert sign(-5) == -1


def test_zero():
    assert sign(0) == 0
'''


def test_a_pair_that_also_fixes_the_other_failing_test_beats_a_fix_of_this_one_alone(
    workdir: Path, pytester: pytest.Pytester):
    # Two bugs in one function: `2` -> `1` fixes test_positive alone and is found first;
    # test_zero's lines count too (every failing test is in the spectrum), and the search
    # goes on to the pair that fixes both before settling for the single edit.
    make_git_project(workdir, {**PROJECT, "src/numbers_pkg/__init__.py": "",
                               "src/numbers_pkg/sign.py": SIGN,
                               "tests/test_rules.py": SIGN_TESTS})
    run_selfheal(pytester, "--selfheal-report", "report.json", "-p", "no:randomly")
    (heal,) = json.loads((workdir / "report.json").read_text())["heals"]
    assert heal["tests"] == ["tests/test_rules.py::test_positive"]
    assert heal["status"] == "healed"
    added = [line for line in heal["diff"].splitlines()
             if line.startswith("+") and not line.startswith("+++")]
    assert added == ["+        return 1", "+    return 0"]
