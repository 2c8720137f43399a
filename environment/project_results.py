"""open_project's result: what was copied and left out, how the tests run, the first look at the code."""

from __future__ import annotations

from pydantic import Field

from environment.results import MAX_FILES_SHOWN, STEP_RULE, EpisodeStatus, FileInfo, SandboxInfo


class OpenProjectResult(EpisodeStatus):
    project: str = Field(description="the project directory's name")
    root: str = Field(description="the resolved directory the copy was made from (never written to)")
    description: str
    main_file: str
    files: list[FileInfo]
    code: str = Field(description="the main file (the first test file), numbered N|text")
    test_targets: list[str] = Field(description="what run_tests runs by default: test files or node ids")
    test_keyword: str | None = Field(default=None, description="pytest -k expression from test_command")
    skipped: dict[str, int] = Field(description="files or directories left out of the copy, by reason")
    requirements: list[str] = Field(description="packages the project declares, installed in its sandbox")
    max_steps: int
    sandbox: SandboxInfo

    def text(self) -> str:
        shown = self.files[:MAX_FILES_SHOWN]
        files = "\n".join(f"- {f.path} ({f.role}, {f.lines} lines)" for f in shown)
        if len(self.files) > MAX_FILES_SHOWN:
            files += f"\n... and {len(self.files) - MAX_FILES_SHOWN} more: list_files lists them, search_code searches them."
        warning = "\nNote: this server runs code with process isolation only (no container).\n" if self.sandbox.isolation == "process" else ""
        return (
            f"Episode {self.episode_id} opened on the project {self.project!r} (a copy: the user's files are never changed).\n\n"
            f"{self.description.strip()}\n\nFiles:\n{files}\n{warning}\n"
            f"{self.main_file}:\n{self.code}\n\n"
            f"You have {self.max_steps} steps. {STEP_RULE} When they are spent, the episode submits itself.\n"
            "Tools: list_files, search_code, view_code, replace_lines, replace_text, show_diff, run_tests, run_python, debug_start, "
            "debug_command, debug_stop, trace, undo, reset_code, submit. Rewards are 0 in a project episode.\n" + self.footer()
        )
