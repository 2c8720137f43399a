"""The SWE-bench-format importer (issue 18, item 4), end to end on instances this test makes itself:
a small git repository (`acme/ledger`, a package on `attrs`, with a conftest and pytest options in
pyproject.toml), a fix commit split into the gold patch and the test patch as SWE-bench splits them,
and instances in the shared JSON-lines format. Import -> `tasks check` valid (the solution resolves,
the original scores 0, no leak) -> the real CLI; bad instances are skipped, each with its reason."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
from pathlib import Path

import anyio
import pytest

from environment.registry import LOCAL_OWNER
from environment.runtime import running
from environment.service import DebugService
from environment.settings import ServiceSettings
from tasks.importers import swebench
from tasks.loader import Catalog, load_task
from tests.conftest import make_provider

pytestmark = pytest.mark.anyio

BASE = {
    "pyproject.toml": '[project]\nname = "ledger"\nversion = "0.1"\ndependencies = ["attrs"]\n\n[tool.pytest.ini_options]\naddopts = "--strict-markers"\n',
    "ledger/__init__.py": "from ledger.book import Book\nfrom ledger.money import Money\n",
    "ledger/money.py": (
        "import attrs\n\n\n@attrs.frozen(order=True)\nclass Money:\n    cents: int\n\n"
        "    def __add__(self, other: 'Money') -> 'Money':\n        return Money(self.cents + other.cents)\n\n"
        "    def __neg__(self) -> 'Money':\n        return Money(-self.cents)\n"
    ),
    "ledger/book.py": (
        "from ledger.money import Money\n\n\nclass Book:\n    def __init__(self):\n        self.entries = []\n\n"
        "    def add(self, amount: Money, refund: bool = False):\n        self.entries.append((amount, refund))\n\n"
        "    def balance(self) -> Money:\n        total = Money(0)\n        for amount, refund in self.entries:\n"
        "            total = total + amount\n        return total\n"
    ),
    # The project's assertion helpers: never editable (an agent could make them assert nothing).
    "ledger/testing.py": "def assert_balance(book, cents):\n    assert book.balance().cents == cents\n",
    "tests/conftest.py": "import pytest\n\nfrom ledger import Book\n\n\n@pytest.fixture\ndef book():\n    return Book()\n",
    "tests/test_money.py": "from ledger import Money\n\n\ndef test_add():\n    assert Money(2) + Money(3) == Money(5)\n\n\ndef test_order():\n    assert Money(1) < Money(2)\n",
    "tests/test_book.py": (
        "from ledger import Money\n\n\ndef test_empty(book):\n    assert book.balance() == Money(0)\n\n\n"
        "def test_sales(book):\n    book.add(Money(5))\n    book.add(Money(7))\n    assert book.balance() == Money(12)\n\n\n"
        "class TestMany:\n    def test_hundred(self, book):\n        for _ in range(100):\n            book.add(Money(1))\n        assert book.balance() == Money(100)\n"
    ),
}
FIXED_BOOK = BASE["ledger/book.py"].replace("total = total + amount", "total = total + (-amount if refund else amount)")
NEW_TESTS = (
    "\n\ndef test_refund(book):\n    book.add(Money(10))\n    book.add(Money(4), refund=True)\n    assert book.balance() == Money(6)\n\n\n"
    "def test_only_refunds(book):\n    book.add(Money(3), refund=True)\n    assert book.balance() == Money(-3)\n\n\n"
    "class TestRefundsInBulk:\n    def test_many_refunds(self, book):\n        for _ in range(10):\n            book.add(Money(2), refund=True)\n        assert book.balance() == Money(-20)\n"
)
FAIL_TO_PASS = ["tests/test_book.py::test_refund", "tests/test_book.py::test_only_refunds", "tests/test_book.py::TestRefundsInBulk::test_many_refunds"]
PASS_TO_PASS = ["tests/test_book.py::test_empty", "tests/test_book.py::test_sales", "tests/test_book.py::TestMany::test_hundred", "tests/test_money.py::test_add", "tests/test_money.py::test_order"]


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def instances(tmp_path) -> Path:
    """repos/acme__ledger (a git repository) and instances.jsonl describing its fix."""
    repo = tmp_path / "repos" / "acme__ledger"
    repo.mkdir(parents=True)
    git(repo, "init", "-q")
    for rel, text in BASE.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "ledger/book.py").write_text(FIXED_BOOK)
    (repo / "tests/test_book.py").write_text(BASE["tests/test_book.py"] + NEW_TESTS)
    patch = git(repo, "diff", "--", "ledger")
    test_patch = git(repo, "diff", "--", "tests")
    git(repo, "commit", "-qam", "refunds")  # the checkout moves on; the importer reads base_commit
    good = {
        "instance_id": "acme__ledger-1", "repo": "acme/ledger", "base_commit": base, "patch": patch, "test_patch": test_patch,
        "FAIL_TO_PASS": json.dumps(FAIL_TO_PASS), "PASS_TO_PASS": json.dumps(PASS_TO_PASS),  # JSON-encoded, as SWE-bench ships them
        "problem_statement": "Refunds are added to the balance\n\nA refund should lower the balance, but it raises it.",
        "requirements": "attrs\n",
    }
    rows = [
        good,
        {**good, "instance_id": "acme__ledger-django-style", "FAIL_TO_PASS": ["test_refund (tests.test_book.BookTests)"]},
        {**good, "instance_id": "acme__other-1", "repo": "acme/other"},
        {**good, "instance_id": "acme__image-1", "repo": "acme/imaged", "image_name": "swebench/acme-imaged:latest"},
        {**good, "instance_id": "acme__ledger-badpatch", "patch": "diff --git a/ledger/book.py b/ledger/book.py\n--- a/ledger/book.py\n+++ b/ledger/book.py\n@@ -1 +1 @@\n-nothing here\n+x\n"},
        {**good, "instance_id": "acme__ledger-nofail", "FAIL_TO_PASS": []},
        # A hostile dataset naming a checkout outside --repos (any git repository of the host) by path.
        {**good, "instance_id": "escape-absolute", "repo": f"x/{repo.resolve()}"},
        {**good, "instance_id": "escape-dotdot", "repo": "../repos/acme__ledger"},
        {**good, "instance_id": "bad-image", "image_name": ["not", "a", "name"]},
    ]
    path = tmp_path / "instances.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    return path


def test_the_instance_becomes_a_repository_shaped_task(instances, tmp_path):
    drafts, skipped = swebench.drafts(instances, repos=instances.parent / "repos")
    reasons = {s.name: s.reason for s in skipped}
    assert [d.id for d in drafts] == ["acme_ledger_1"]
    assert "is not a pytest node id" in reasons["acme__ledger-django-style"]
    assert "no checkout of acme/other" in reasons["acme__other-1"]
    # No checkout, and the image it names is not on the engine (or there is no engine): never pulled.
    assert "docker pull swebench/acme-imaged:latest" in reasons["acme__image-1"] or "no Docker engine answers" in reasons["acme__image-1"]
    assert "gold patch does not apply at base_commit" in reasons["acme__ledger-badpatch"]
    assert "missing FAIL_TO_PASS" in reasons["acme__ledger-nofail"]
    assert "is not OWNER/NAME" in reasons["escape-absolute"] and "is not OWNER/NAME" in reasons["escape-dotdot"]
    assert "image_name must be" in reasons["bad-image"]
    assert "line 10" in reasons
    from tasks.importers.common import write_draft

    task = load_task(write_draft(drafts[0], tmp_path / "pack"))
    assert task.spec.environment.packages == ("attrs",)
    assert task.editable == ("ledger/__init__.py", "ledger/book.py", "ledger/money.py")  # scope "source": every non-test module
    assert "ledger/testing.py" in task.readonly_source_files()  # test support, though outside the tests
    assert task.spec.main_file == "ledger/book.py" and task.solution_files == {"ledger/book.py": FIXED_BOOK}
    assert set(task.hidden_test_files) == {"tests/test_book.py", "tests/test_money.py"}
    assert "tests/conftest.py" in task.readonly_source_files() and "pyproject.toml" in task.readonly_source_files()
    assert "tests/test_book.py" not in task.source_files
    hidden_ids = {n.split("[")[0] for n in task.hidden_test_ids}
    assert hidden_ids == set(FAIL_TO_PASS + PASS_TO_PASS)
    # Visible: the first third of FAIL_TO_PASS (sorted: TestRefundsInBulk) and a sample of PASS_TO_PASS.
    assert "tests/test_book.py::TestRefundsInBulk::test_many_refunds" in task.visible_test_ids
    assert not {"tests/test_book.py::test_refund", "tests/test_book.py::test_only_refunds"} & task.visible_test_ids
    assert task.description.startswith("Refunds are added to the balance")


async def test_two_instances_whose_ids_share_a_slug_keep_the_first_even_with_force(instances, tmp_path):
    """'acme__ledger-1' and 'acme__ledger_1' are both task acme_ledger_1: with --force the second
    silently replaced the first, written a moment before in the same import."""
    from tasks.importers import import_pack

    first = json.loads(instances.read_text().splitlines()[0])
    twins = tmp_path / "twins.jsonl"
    twins.write_text(json.dumps(first) + "\n" + json.dumps({**first, "instance_id": "acme__ledger_1", "problem_statement": "the twin"}) + "\n")
    out = tmp_path / "pack"
    result = await import_pack("swebench", twins, out, force=True, options={"repos": instances.parent / "repos"})
    assert result.imported == ["acme_ledger_1"] and [s.name for s in result.skipped] == ["acme_ledger_1"]
    assert "an earlier item of this import" in result.skipped[0].reason
    assert "the twin" not in (out / "acme_ledger_1" / "description.md").read_text()


def test_the_patch_scope_makes_only_the_fixed_files_editable(instances, tmp_path):
    drafts, _ = swebench.drafts(instances, repos=instances.parent / "repos", scope="patch")
    assert drafts[0].editable == ["ledger/book.py"]


def test_keep_tests_cuts_other_tests_with_their_decorators():
    source = "import pytest\n\n\n@pytest.mark.parametrize('x', [1, 2])\ndef test_a(x):\n    pass\n\n\ndef test_b():\n    pass\n\n\nclass TestC:\n    def test_c(self):\n        pass\n\n    def helper(self):\n        pass\n"
    kept = swebench.keep_tests(source, {"test_b"})
    assert "test_a" not in kept and "parametrize" not in kept and "def test_b" in kept and "def test_c" not in kept and "def helper" in kept
    compile(kept, "x.py", "exec")


async def test_import_check_and_play(backend, instances, tmp_path, capsys):
    """The real CLI: import with the check (one run, on each backend), then the oracle's play through
    a service: the gold patch resolves, the original scores 0."""
    from cli.main import main

    out = tmp_path / "pack"
    argv = ["tasks", "import", "swebench", str(instances), "--repos", str(instances.parent / "repos"), "--out", str(out), "--backend", backend, "--runs", "1"]
    code = await anyio.to_thread.run_sync(main, argv)  # the CLI runs its own event loop
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "imported 1 task(s)" in printed and "acme_ledger_1" in printed and "skipped (9)" in printed
    catalog = Catalog()
    catalog.add_pack(out)
    assert not catalog.errors
    service = DebugService(catalog, make_provider(backend), ServiceSettings())
    async with running(service):
        task = catalog.get("acme_ledger_1")
        for files, expected in ((None, 0.0), (task.solution_files, 1.0)):
            episode = (await service.start_task(task.id, owner=LOCAL_OWNER)).episode_id
            for path, text in (files or {}).items():
                await service.replace_lines(episode, 1, len(task.source_files[path].splitlines()), text, path, owner=LOCAL_OWNER)
            visible = await service.run_tests(episode, owner=LOCAL_OWNER)
            submitted = await service.submit(episode, owner=LOCAL_OWNER)
            assert submitted.score == expected and submitted.hidden_total == 8, (submitted, visible.text())
        assert submitted.resolved and (submitted.fixed, submitted.broken) == (3, 0)


# -- instances whose repository only an image holds -------------------------------------------------

IMAGE_DOCKERFILE = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY testbed /testbed\n"


def _testbed_context(testbed: Path) -> io.BytesIO:
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        dockerfile = IMAGE_DOCKERFILE.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        tar.add(testbed, arcname="testbed")
    context.seek(0)
    return context


@pytest.fixture(scope="module")
def wheel_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("wheels")


async def test_an_instance_only_an_image_holds_is_copied_out_of_it(instances, tmp_path, wheel_cache, capsys):
    """SWE-bench's shape: an image per instance with the project at /testbed and its packages
    installed (here pip and attrs, installed by debugbox's own environment build into the sandbox
    image). With its history the tree is read at base_commit; without, as the image holds it. Both
    give the task a checkout gives, and the image's packages (less pip) become the environment."""
    import docker

    from sandbox.environment_request import EnvironmentRequest
    from sandbox.images.build import build_image
    from sandbox.images.environment_image import prepare_environment_image
    from sandbox.images.sandbox_image import SANDBOX_IMAGE
    from tasks.importers.common import write_draft
    from tests.conftest import require_docker

    require_docker()
    client = docker.from_env()
    from sandbox.images.sandbox_image import ensure_sandbox_image

    await anyio.to_thread.run_sync(lambda: ensure_sandbox_image(client, tag=SANDBOX_IMAGE))
    request = EnvironmentRequest(requirements=["pip", "attrs>=23"])
    with_packages, _ = await anyio.to_thread.run_sync(lambda: prepare_environment_image(client, SANDBOX_IMAGE, request, wheel_cache, progress=None))
    checkout = instances.parent / "repos" / "acme__ledger"
    good = next(json.loads(line) for line in instances.read_text().splitlines() if line.startswith("{") and '"acme__ledger-1"' in line)
    plain = tmp_path / "plain" / "testbed"  # the files at base_commit, no .git
    plain.mkdir(parents=True)
    swebench.tree_at(checkout, good["base_commit"], plain)
    tags = {"history": f"debugbox-test-swebench:{os.getpid()}-history", "plain": f"debugbox-test-swebench:{os.getpid()}-plain", "bare": f"debugbox-test-swebench:{os.getpid()}-bare"}
    try:
        for kind, testbed, base in (("history", checkout, with_packages), ("plain", plain, with_packages)):
            await anyio.to_thread.run_sync(lambda: build_image(client, tag=tags[kind], base_image=base, context=_testbed_context(testbed), progress=None, network_mode="none"))
        client.images.get(SANDBOX_IMAGE).tag(tags["bare"])  # no /testbed at all
        rows = [
            {**good, "instance_id": f"acme__ledger-{kind}", "repo": f"acme/{kind}-only", "image_name": tags[kind], "requirements": None}
            for kind in ("history", "plain", "bare")
        ]
        rows.append({**good, "instance_id": "acme__ledger-own-requirements", "repo": "acme/plain-only", "image_name": tags["plain"]})
        path = tmp_path / "imaged.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        made, skipped = await anyio.to_thread.run_sync(lambda: swebench.drafts(path))  # no --repos at all
        from_checkout, _ = swebench.drafts(instances, repos=instances.parent / "repos")
        # The real CLI without --repos, checked on Docker: the image's pins build an environment in
        # which the gold patch resolves and the original scores 0.
        from cli.main import main

        only = tmp_path / "history.jsonl"
        only.write_text(json.dumps(rows[0]) + "\n")
        argv = ["tasks", "import", "swebench", str(only), "--out", str(tmp_path / "imported"), "--backend", "docker", "--runs", "1"]
        code = await anyio.to_thread.run_sync(main, argv)
        assert code == 0 and "imported 1 task(s)" in capsys.readouterr().out
    finally:
        for tag in tags.values():
            try:
                client.images.remove(tag, force=True)
            except docker.errors.ImageNotFound:
                pass
    assert [(s.name, s.reason) for s in skipped] == [("acme__ledger-bare", f"image {tags['bare']} has no /testbed")]
    by_id = {d.id: d for d in made}
    assert set(by_id) == {"acme_ledger_history", "acme_ledger_plain", "acme_ledger_own_requirements"}
    reference = from_checkout[0]
    for draft in by_id.values():
        assert (draft.source, draft.solution, draft.readonly_sources) == (reference.source, reference.solution, reference.readonly_sources)
        assert (draft.visible_tests, draft.hidden_tests, draft.editable) == (reference.visible_tests, reference.hidden_tests, reference.editable)
    for kind in ("history", "plain"):
        packages = by_id[f"acme_ledger_{kind}"].environment["packages"]
        # attrs, and what else the sandbox image's python has (Debian's pytest dependencies), as pins.
        assert any(re.fullmatch(r"attrs==\d+\.\d+\.\d+", p) for p in packages), packages
        assert all(swebench.image_repository.PINNED.fullmatch(p) for p in packages), packages
        assert not {p.split("==")[0].lower() for p in packages} & {"pip", "pytest", "pluggy"}, packages
    assert by_id["acme_ledger_own_requirements"].environment == {"packages": ["attrs"]}  # the instance's own list wins
    task = load_task(write_draft(by_id["acme_ledger_history"], tmp_path / "pack"))
    assert task.spec.environment.packages == tuple(by_id["acme_ledger_history"].environment["packages"])


def test_pip_freeze_lines_become_exact_pins_only():
    freeze = "attrs==24.2.0\npip==24.0\nPyYAML==6.0.1\nlocalpkg @ file:///tmp/x\n-e git+https://x#egg=y\nsix==1.16.0\npluggy==1.0.0+repack\npytest==5.4.3\nTyping_Extensions==4.4.0\n\n"
    assert swebench.image_repository.pinned_requirements(freeze) == ["attrs==24.2.0", "PyYAML==6.0.1", "six==1.16.0", "Typing_Extensions==4.4.0"]
