"""What the MCP server tells a model before any tool call: the server's instructions, and the
solve_task prompt (the tools, the steps, the score)."""

from __future__ import annotations

from tasks.model import Task

INSTRUCTIONS = """debugbox: fix buggy Python programs in a sandbox.
Call list_tasks, then start_task(task_id) to get an episode_id. Find your way with list_files (paths,
roles, sizes) and search_code (text or regex, as path:line|text), read code with view_code, edit with
replace_text (one exact, unique piece of text) or replace_lines (inclusive 1-based line ranges), review
with show_diff, check with run_tests and run_python, revert with undo or reset_code, and call submit when
the visible tests pass: submit scores hidden tests and ends the episode.
Debugger: debug_start(episode_id, target, breakpoints) runs a visible test or a snippet under pdb and
stops at a breakpoint, the start or a failure; debug_command sends one pdb command (n, s, c, p EXPR, ...);
debug_stop ends it. trace(episode_id, target, function) shows a function's lines with the values each
changed, in one run.
Steps: each episode call that does something costs one step of the budget; an error, or a call that would
change nothing, costs none. When the budget is spent the episode submits itself.
Score: only what you change counts: hidden tests the original fails that you fix, minus hidden tests it
passed that you break, over the tests it fails; untouched code scores 0. Rewards (shaped): each full
run_tests pays the change of the visible pass rate since the last one, submit pays the rest, so an
episode's rewards add up to its score.
Your user's own code: open_project(path) (when the server allows project roots) opens an episode on a
copy of their project; every file is editable, run_tests runs its tests, and submit returns a patch of
your changes for the user to apply (no score, rewards 0)."""


def solve_task(task: Task) -> str:
    return (
        "You are debugging a Python program in the debugbox sandbox.\n"
        f"Task: {task.spec.title} ({task.spec.difficulty.value}).\n\n{task.description.strip()}\n\n"
        f"1. Call start_task with task_id={task.id!r}; keep the episode_id it returns.\n"
        "2. Read the code (view_code) and run the visible tests (run_tests) to see the failures. In a\n"
        "   larger project, list_files shows the files and search_code finds where a name is defined or used.\n"
        "3. Fix the code with replace_text (an exact, unique piece of text) or replace_lines (the line\n"
        "   numbers view_code shows, N|text); show_diff shows all your changes.\n"
        "4. Run the tests again; use run_python to try ideas; undo or reset_code to back out.\n"
        "   When a failure's cause is not obvious from the code, use the debugger instead of guessing:\n"
        "   trace(target=a failing test, function=the suspect function) shows each line's values in one\n"
        "   step; debug_start(target, breakpoints=['path:line']) stops there (or at the failure) to\n"
        "   inspect with debug_command ('p expr', 'n', 's', 'c', 'u'); debug_stop when done.\n"
        "5. When the visible tests pass, call submit: hidden tests decide the score, so fix the general\n"
        "   behaviour the description asks for, not just the visible cases.\n\n"
        f"Steps: you have {task.spec.max_steps}. Each call that does something costs one; an error, or a call\n"
        "that would change nothing, costs none. When they are spent, the episode submits itself.\n"
        "Score: (hidden tests the original fails that you fix - hidden tests it passed that you break) /\n"
        "(hidden tests it fails), at least 0; untouched code scores 0. Rewards: each full run_tests pays the\n"
        "change of the visible pass rate since the last one (negative for a regression), submit pays the\n"
        "rest, so an episode's rewards add up to its score.\n"
    )
