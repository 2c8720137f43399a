"""The report `debugbox tasks check` prints: an aligned plain-text table, one row per task, then
each invalid task's reasons and a one-line total. F/P: how many hidden tests the original fails
(fail-to-pass, what the score counts) and passes (pass-to-pass, which a change must not break)."""

from __future__ import annotations

from pathlib import Path

from harness.checker.check import CheckReport


def _fraction(pairs: list[tuple[int, int]]) -> str:
    if not pairs:
        return "-"
    passed = sorted({p for p, _ in pairs})
    total = max(t for _, t in pairs)
    shown = str(passed[0]) if len(passed) == 1 else f"{passed[0]}-{passed[-1]}"
    return f"{shown}/{total}"


def _scores(scores: list[float | None]) -> str:
    """The solution's scores over the runs: one value when they agree, else the range."""
    known = sorted({s for s in scores if s is not None})
    if not known:
        return "-"
    return f"{known[0]:.2f}" if len(known) == 1 else f"{known[0]:.2f}-{known[-1]:.2f}"


def _task_dir_name(path: Path) -> str:
    """The task directory a load error points into (the error may name a file deep inside it)."""
    parts = path.parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] in ("src", "tests", "hidden_tests", "solution"):
            return parts[i - 1]
    return path.parent.name if path.name in ("task.toml", "description.md") else path.name


def format_report(report: CheckReport) -> str:
    """The check as an aligned plain-text table, then each invalid task's reasons."""
    header = ("TASK", "ORIG HIDDEN", "F/P", "SOL VISIBLE", "SOL HIDDEN", "SOL SCORE", "RUNS AGREE", "MAX TEST/LIMIT", "LEAKS", "VERDICT")
    rows = []
    for v in report.verdicts:
        agree = "-" if v.runs_agree is None else "yes" if v.runs_agree else "NO"
        timing = "-" if v.max_test_s is None else f"{v.max_test_s:.2f}/{v.test_timeout_s:g}s"
        split = "-" if v.fail_to_pass is None else f"{v.fail_to_pass}/{v.pass_to_pass}"
        rows.append(
            (v.task_id, _fraction(v.original_hidden), split, _fraction(v.solution_visible), _fraction(v.solution_hidden),
             _scores(v.solution_scores), agree, timing, str(len(v.leaks)) if v.leaks else "none", "ok" if v.valid else "INVALID")
        )
    for error in report.load_errors:
        rows.append((_task_dir_name(error.path), *["-"] * (len(header) - 2), "INVALID"))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    problems = [(v.task_id, v.reasons) for v in report.verdicts if not v.valid]
    if problems or report.load_errors:
        lines.append("")
    for task_id, reasons in problems:
        lines.append(f"{task_id}:")
        lines += [f"  - {reason}" for reason in reasons]
    for error in report.load_errors:
        lines.append(f"load error: {error}")
    invalid = len(problems) + len(report.load_errors)
    lines.append("")
    lines.append(
        f"{len(report.verdicts) - len(problems)} valid, {invalid} invalid; backend {report.backend}; "
        f"{report.elapsed_s:.1f} s"
    )
    return "\n".join(lines)
