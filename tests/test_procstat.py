"""The /proc stat parser the server's side shares (local backend, Docker owner tags), and the
container grouping `debugbox status` shows. No engine needed: a stand-in answers the listing."""

from __future__ import annotations

import os
import socket
from types import SimpleNamespace

from sandbox.docker.container import LABEL_EPISODE, LABEL_INSTANCE, LABEL_OWNER
from sandbox.docker.reaper import containers_by_instance, owner_tag
from sandbox.procstat import children_by_parent, parse_stat, read_stat

# pid (comm) state ppid ... : 52 fields as Linux writes them, starttime the 22nd (pid 1234, ppid 41).
TAIL = b" S 41 41 41 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 0 0" + b" 0" * 28 + b"\n"


def test_a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields():
    stat = parse_stat(b"1234 (evil) Z 1 2 (x) y)" + TAIL)
    assert stat is not None and (stat.state, stat.ppid, stat.start_ticks) == ("S", 41, 987654)


def test_a_line_cut_short_is_no_stat():
    assert parse_stat(b"1234 (x) S 1 2 3") is None
    assert parse_stat(b"") is None


def test_this_process_is_read_and_found_below_its_parent():
    own = read_stat(os.getpid())
    assert own is not None and own.ppid == os.getppid() and own.state == "R"
    assert (os.getpid(), False) in children_by_parent()[os.getppid()]
    assert owner_tag().endswith(f":{os.getpid()}:{own.start_ticks}")


def test_containers_are_grouped_by_instance_with_their_owner_alive_or_gone():
    gone = f"{socket.gethostname()}:999999999:1"

    def info(cid: str, instance: str, owner: str, episode: str) -> dict:
        return {"Id": cid, "Labels": {LABEL_INSTANCE: instance, LABEL_OWNER: owner, LABEL_EPISODE: episode}}

    listing = [info("c3", "b", gone, "ep_2"), info("c1", "a", owner_tag(), "pool"), info("c2", "a", owner_tag(), "ep_1")]
    client = SimpleNamespace(api=SimpleNamespace(containers=lambda **_: listing))
    groups = containers_by_instance(client)
    assert [(g.instance, g.owner_alive, g.pooled, [c["Id"] for c in g.containers]) for g in groups] == [
        ("a", True, 1, ["c1", "c2"]),
        ("b", False, 0, ["c3"]),
    ]
