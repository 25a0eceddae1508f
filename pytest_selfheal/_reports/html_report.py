"""The HTML report of a run, rendered from the JSON report's data.

One self-contained page: inline CSS, no script, no font, image or stylesheet fetched from
anywhere, so it opens the same from a CI artifact, an e-mail or a machine without
network. Every value from the run (test ids, reasons, diffs, candidate descriptions) is
escaped; the page works with JavaScript turned off because it has none.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #1f2328; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin: 0 0 .4em; word-break: break-all; }
h3 { font-size: 1em; margin: 1.2em 0 .4em; }
.meta { color: #59636e; margin-top: 0; }
.heal { border: 1px solid #d1d9e0; border-left-width: 6px; border-radius: 6px;
        padding: 1em 1.2em; margin: 1.2em 0; }
.heal.healed { border-left-color: #1a7f37; } .heal.unhealed { border-left-color: #cf222e; }
.heal.skipped { border-left-color: #9a6700; } .heal.error { border-left-color: #8250df; }
.badge { display: inline-block; font-size: .8em; font-weight: 600; padding: .1em .6em;
         border-radius: 1em; color: #fff; text-transform: uppercase; margin-right: .5em; }
.badge.healed { background: #1a7f37; } .badge.unhealed { background: #cf222e; }
.badge.skipped { background: #9a6700; } .badge.error { background: #8250df; }
table { border-collapse: collapse; margin: .3em 0; }
th, td { text-align: left; padding: .2em .8em .2em 0; vertical-align: top; }
th { color: #59636e; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre.diff { background: #f6f8fa; border-radius: 6px; padding: .6em 0; overflow-x: auto; }
pre.diff span { display: block; padding: 0 .8em; white-space: pre; }
.add { background: #dafbe1; color: #116329; } .del { background: #ffebe9; color: #82071e; }
.hunk { color: #0550ae; background: #ddf4ff; } .file { font-weight: 700; }
.bar { display: inline-block; height: .7em; background: #0969da; border-radius: 2px;
       vertical-align: middle; }
.passed { color: #1a7f37; font-weight: 600; } .failed { color: #cf222e; }
ul.notes { color: #59636e; }
.badge.verified { background: #1a7f37; } .badge.plausible { background: #9a6700; }
pre.test { background: #f6f8fa; border-radius: 6px; padding: .6em .8em; overflow-x: auto; }
"""


def render(report: Mapping[str, Any]) -> str:
    """The whole HTML page of the JSON report ``report``."""
    heals: Sequence[Mapping[str, Any]] = report.get("heals", [])
    counts: dict[str, int] = {}
    for heal in heals:
        counts[heal["status"]] = counts.get(heal["status"], 0) + 1
    tally = ", ".join(f"{count} {status}" for status, count in counts.items()) or "no failures"
    title = f"selfheal report: {tally}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">pytest-selfheal {_e(report.get("version"))} &middot; run '
        f'{_e(report.get("run_id") or "?")} &middot; started {_e(report.get("started"))} '
        f'&middot; {_seconds(report.get("elapsed_s"))} &middot; provider '
        f'{_e(report.get("provider"))} &middot; model {_e(report.get("model") or "none")} '
        f'&middot; seed {_e(report.get("seed") if report.get("seed") is not None else "none")}'
        "</p>",
        _budget(report.get("budget", {})),
    ]
    notes = report.get("notes") or []
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes)
                     + "</ul>")
    parts.extend(_heal(number, heal) for number, heal in enumerate(heals, 1))
    parts.append('<p class="meta">The test outcomes of the run are those of the original '
                 "code. Review a fix with <code>selfheal show BRANCH</code>, take it with "
                 "<code>selfheal apply BRANCH</code>, drop it with <code>selfheal drop "
                 "BRANCH</code>.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _budget(budget: Mapping[str, Any]) -> str:
    rows = []
    for name in ("calls", "tokens", "cost"):
        entry = budget.get(name) or {}
        allowed = entry.get("allowed")
        rows.append(f"<tr><th>{_e(name)}</th><td class=num>{_e(entry.get('used', 0))}</td>"
                    f"<td>of {_e('unlimited' if allowed is None else allowed)}</td></tr>")
    return "<h3>Budget used</h3><table>" + "".join(rows) + "</table>"


def _heal(number: int, heal: Mapping[str, Any]) -> str:
    status = str(heal.get("status", "error"))
    tests = heal.get("tests") or ["?"]
    parts = [f'<section class="heal {_e(status)}" id="heal-{number}">',
             f'<h2><span class="badge {_e(status)}">{_e(status)}</span>{_e(tests[0])}</h2>']
    if len(tests) > 1:
        parts.append("<p>Also: " + ", ".join(f"<code>{_e(t)}</code>" for t in tests[1:])
                     + "</p>")
    parts.append(f"<p>{_e(heal.get('reason'))}</p>")
    facts = [("engine", heal.get("engine")),
             ("candidates evaluated", heal.get("candidates_evaluated")),
             ("generations", heal.get("generations")), ("LLM calls", heal.get("llm_calls")),
             ("time", _seconds(heal.get("elapsed_s")))]
    if heal.get("branch"):
        facts.insert(0, ("branch", heal["branch"]))
        facts.insert(1, ("commit", (heal.get("commit") or "")[:12]))
    if status == "healed":
        rerun = heal.get("rerun_outcome") or "not re-run"
        facts.append(("reloaded", f"{'yes' if heal.get('reloaded') else 'no'}, re-run {rerun}"))
    if heal.get("worker"):
        facts.append(("xdist worker", heal["worker"]))
    parts.append("<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                                     for k, v in facts) + "</table>")
    if status == "healed" and heal.get("assurance"):
        parts.append(_assurance(heal))
    winner = heal.get("winner")
    if winner:
        speedup = winner.get("speedup")
        parts.append(
            "<h3>Winner</h3><table><tr><th>tests passed</th><td class=num>"
            f"{_e(winner.get('tests_passed'))} of {_e(winner.get('tests_total'))}</td></tr>"
            f"<tr><th>pass rate</th><td class=num>{_e(winner.get('pass_rate'))}</td></tr>"
            f"<tr><th>runtime</th><td class=num>{_seconds(winner.get('runtime_s'))}</td></tr>"
            f"<tr><th>baseline runtime</th><td class=num>"
            f"{_seconds(winner.get('baseline_runtime_s'))}</td></tr>"
            f"<tr><th>speedup</th><td class=num>"
            f"{'not measured' if speedup is None else _e(f'{speedup:.2f}x')}</td></tr>"
            + _spread(winner) + "</table>")
    for note in heal.get("notes") or []:
        parts.append(f'<p class="meta">note: {_e(note)}</p>')
    if heal.get("fitness_per_generation"):
        parts.append(chart(heal["fitness_per_generation"]))
    if heal.get("diff"):
        parts.append("<h3>Diff</h3>" + _diff(str(heal["diff"])))
    if heal.get("suspects"):
        parts.append(_suspects(heal["suspects"]))
    if heal.get("leaderboard"):
        parts.append(_leaderboard(heal["leaderboard"]))
    parts.append("</section>")
    return "\n".join(parts)


def _assurance(heal: Mapping[str, Any]) -> str:
    """The fix's label, what it rests on, and the input on which passing fixes disagree."""
    label = str(heal.get("assurance"))
    parts = [f'<h3><span class="badge {_e(label)}">{_e(label)}</span>'
             f'{_e(heal.get("confirming_tests", 0))} of {_e(heal.get("held_out_tests", 0))} '
             "held-out tests (never run by the search) execute the changed lines and pass</h3>"]
    doubts = heal.get("doubts") or []
    if doubts:
        parts.append("<ul>" + "".join(f"<li>{_e(d)}</li>" for d in doubts) + "</ul>")
    found = heal.get("distinguishing_input")
    if found:
        rows = "".join(f"<tr><td><code>{_e(entry.get('output'))}</code></td>"
                       f"<td>{_e(entry.get('change'))}</td></tr>"
                       for entry in found.get("outputs") or [])
        parts.append(f"<p>Fixes that pass every test disagree on <code>{_e(found.get('call'))}"
                     "</code>:</p><table><tr><th>returns</th><th>fix</th></tr>"
                     f"{rows}</table><p>The right answer decides. Paste this test into your "
                     "tests, with the right value:</p>"
                     f'<pre class="test">{_e(found.get("test"))}</pre>')
    compared = heal.get("passing_candidates") or []
    if len(compared) > 1:
        rows = "".join(
            f"<tr><td>{_e(entry.get('change'))}</td>"
            f"<td class=num>{_e(entry.get('results_changed'))}</td>"
            f"<td class=num>{_e(entry.get('lines_changed'))}</td>"
            f"<td class=num>{_e(entry.get('inputs_changed'))}</td>"
            f"<td class=num>{_e(entry.get('nearby_changed'))}</td>"
            f"<td class=num>{_e(entry.get('new_crashes'))}</td>"
            f"<td>{_e('; '.join(entry.get('anti_patterns') or []) or '-')}</td></tr>"
            for entry in compared)
        parts.append("<p>Fixes that pass every test, the committed one first:</p><table><tr>"
                     "<th>fix</th><th>results changed</th><th>lines changed</th>"
                     "<th>new inputs changed</th><th>of them near passing calls</th>"
                     "<th>new crashes</th>"
                     f"<th>anti-patterns</th></tr>{rows}</table>")
    return "\n".join(parts)


def _spread(winner: Mapping[str, Any]) -> str:
    """Rows saying how the speedup was measured and how noisy the timings were."""
    if winner.get("speedup") is None:
        return ""
    median = winner.get("speedup_median")
    spread = winner.get("spread")
    return (f"<tr><th>speedup from medians</th><td class=num>"
            f"{'?' if median is None else _e(f'{median:.2f}x')}</td></tr>"
            f"<tr><th>timing runs</th><td class=num>{_e(winner.get('timing_runs'))}, minimum "
            f"counts</td></tr><tr><th>spread of the timings</th><td class=num>"
            f"{'?' if spread is None else _e(f'{spread:.0%}')}</td></tr>")


def chart(values: Sequence[float], width: int = 360, height: int = 120) -> str:
    """An inline SVG line chart of the best fitness of each generation."""
    if not values:
        return ""
    low, high = min(0.0, *values), max(1.0, *values)
    pad = 24
    def x(index: int) -> float:
        return pad + (width - 2 * pad) * (index / max(1, len(values) - 1))

    def y(value: float) -> float:
        return height - pad - (height - 2 * pad) * ((value - low) / (high - low))

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    dots = "".join(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3"><title>generation {i}: '
                   f"{v:.3f}</title></circle>" for i, v in enumerate(values))
    labels = "".join(f'<text x="{x(i):.1f}" y="{height - 6}" font-size="10" '
                     f'text-anchor="middle">{i}</text>' for i in range(len(values)))
    return (
        "<h3>Fitness per generation</h3>"
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="best fitness per generation" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#d1d9e0"/>'
        f'<text x="4" y="{pad - 8}" font-size="10">{high:.2f}</text>'
        f'<text x="4" y="{height - pad}" font-size="10">{low:.2f}</text>'
        f'<polyline points="{points}" fill="none" stroke="#0969da" stroke-width="2"/>'
        f'<g fill="#0969da">{dots}</g><g fill="#59636e">{labels}</g></svg>'
        '<p class="meta">Fitness: the pass rate over the selected tests, plus log2 of the '
        "speedup over the original once every test passes.</p>")


def _diff(diff: str) -> str:
    spans = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        spans.append(f'<span class="{kind}">{_e(line) or " "}</span>')
    return '<pre class="diff">' + "".join(spans) + "</pre>"


def _suspects(suspects: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for suspect in suspects:
        score = float(suspect.get("score") or 0.0)
        width = max(0.0, min(1.0, score)) * 8
        rows.append(f"<tr><td><code>{_e(suspect.get('function'))}</code></td>"
                    f"<td class=num>{score:.3f}</td>"
                    f'<td><span class="bar" style="width: {width:.2f}em"></span></td>'
                    f"<td>{_e(suspect.get('evidence'))}</td></tr>")
    return ("<h3>Localization</h3><table><tr><th>function</th><th>score</th><th></th>"
            "<th>evidence</th></tr>" + "".join(rows) + "</table>")


def _leaderboard(board: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for rank, entry in enumerate(board, 1):
        verdict = ('<span class="passed">passed</span>' if entry.get("passed")
                   else f'<span class="failed">{_e(entry.get("reason"))}</span>')
        rows.append(f"<tr><td class=num>{rank}</td><td><code>{_e(entry.get('change'))}</code>"
                    f"</td><td>{_e(entry.get('operator'))}</td><td class=num>"
                    f"{_e(entry.get('tests_passed'))}/{_e(entry.get('tests_total'))}</td>"
                    f"<td class=num>{_best(entry)}</td><td>{verdict}</td>"
                    "</tr>")
    return ("<h3>Candidate leaderboard</h3><table><tr><th>#</th><th>change</th>"
            "<th>operator</th><th>tests</th><th>runtime</th><th>verdict</th></tr>"
            + "".join(rows) + "</table>")


def _best(entry: Mapping[str, Any]) -> str:
    """The best timed call-phase time when the candidate was timed, else its runtime."""
    best = entry.get("best_time_s")
    return f"{_seconds(best)} (best)" if best is not None else _seconds(entry.get("runtime_s"))


def _seconds(value: object) -> str:
    if not isinstance(value, int | float):
        return "?"
    return f"{value:.2f}s" if value >= 0.1 else f"{value * 1000:.1f}ms"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)
