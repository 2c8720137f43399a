"""Run a command confined: `python3 -I confine.py --write DIR [--read DIR ...] [--hide DIR ...] -- PROGRAM ARGS...`.

The local backend inside the OpenEnv image starts each episode's runner through this. There the
runners share the container with the server (its port open without a token), with each other,
with the task packs (hidden tests and solutions) and, under a plain `docker run` such as OpenEnv's
`from_docker_image`, with the Internet. Namespaces would need CAP_SYS_ADMIN, which neither Docker's
default seccomp profile nor a non-root user has; these need no privilege once no_new_privs is set,
are inherited by every process the command starts, and can never be lifted:

- network: a seccomp filter lets a process create only Unix sockets (pipes, socketpairs, the
  runner's channels); it refuses io_uring (which creates sockets without the socket syscall) and
  every syscall of a foreign ABI (x32, 32-bit);
- files: a Landlock ruleset lets it read and execute the system and Python's own directories, read
  /proc and /sys, open only the plain devices (/dev/null, /dev/zero, /dev/full, the random ones:
  not /dev/shm, so no POSIX shared memory or semaphores, nor a terminal), and write only under
  `--write` (the episode's directory): not the task
  packs, not another episode's directory. Landlock also keeps it from tracing a process outside
  its domain and, from ABI 6, from signalling one (the server, another episode's runner);
- IPC: the seccomp filter also refuses System V shared memory, semaphores and message queues,
  POSIX message queues and the kernel keyrings (add_key, request_key, keyctl): objects that no file
  rule reaches, which every episode shares and which outlive the episode that made them (Docker's
  default seccomp profile refuses the keyrings too, but a Kubernetes pod's default has no profile);
- privileges: no_new_privs, so no setuid or file-capability binary can raise one, and an empty
  capability bounding set when started privileged (root), so the command keeps none.

`--hide DIR` names a directory the command must not read (a task pack): refused when it lies
beneath a directory the command needs, since Landlock can only allow whole trees.

Standard library only: it runs before the runner, in images without debugbox's dependencies.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import os
import platform
import struct
import sys
import sysconfig
from pathlib import Path

PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AF_UNIX = 1

# Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
JUMP_EQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JUMP_GE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
RETURN = 0x06  # BPF_RET | BPF_K
ALLOW = 0x7FFF0000
ERRNO = 0x00050000

# seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (args[0]'s low half at 16).
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16
X32_SYSCALL_BIT = 0x40000000

# machine -> (AUDIT_ARCH_*, socket syscall number, the numbers of shmget, semget, msgget, mq_open,
# add_key, request_key, keyctl); the newer syscalls share numbers on both.
ARCHES = {
    "x86_64": (0xC000003E, 41, (29, 64, 68, 240, 248, 249, 250)),
    "aarch64": (0xC00000B7, 198, (194, 190, 186, 180, 217, 218, 219)),
}
IO_URING_SETUP = 425
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

# Landlock filesystem rights (linux/landlock.h), by the ABI version that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
ABI1_RIGHTS = (1 << 13) - 1  # execute .. make_sym
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the only rights a rule on a file may carry
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

SYSTEM_READ = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys"]
# In /dev a run may list directories and open only these: not /dev/shm nor /dev/mqueue, which every
# episode of the container shares and which outlive an episode (a file one leaves there would be
# read by the next; no per-episode wipe can tell whose a file is, all sharing one uid); not the
# terminals (/dev/pts/*, /dev/tty), where it would read the operator's keystrokes and write to
# their screen (same uid).
DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]


class ConfineError(RuntimeError):
    pass


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    return libc


def _failed(what: str) -> ConfineError:
    return ConfineError(f"{what} failed: {os.strerror(ctypes.get_errno())}")


# -- network ----------------------------------------------------------------------------------


def _filter(arch: int, socket_nr: int, ipc_nrs: tuple[int, ...]) -> bytes:
    refuse = ERRNO | errno.EACCES
    program = [
        (LOAD_WORD, 0, 0, OFFSET_ARCH),
        (JUMP_EQ, 1, 0, arch),  # a foreign ABI is refused whole
        (RETURN, 0, 0, refuse),
        (LOAD_WORD, 0, 0, OFFSET_NR),
        (JUMP_GE, 0, 1, X32_SYSCALL_BIT),  # x32 calls share x86_64's arch value
        (RETURN, 0, 0, refuse),
        (JUMP_EQ, 0, 4, socket_nr),  # not socket(): on to the next checks
        (LOAD_WORD, 0, 0, OFFSET_ARG0),  # socket(domain, ...)
        (JUMP_EQ, 0, 1, AF_UNIX),
        (RETURN, 0, 0, ALLOW),
        (RETURN, 0, 0, refuse),
        (JUMP_EQ, 0, 1, IO_URING_SETUP),
        (RETURN, 0, 0, ERRNO | errno.ENOSYS),
    ]
    # System V IPC, POSIX message queues and the kernel's keyrings (the user keyring is one per uid,
    # and lives on): objects no file rule reaches, shared by every episode, outliving each.
    for nr in ipc_nrs:
        program += [(JUMP_EQ, 0, 1, nr), (RETURN, 0, 0, refuse)]
    program.append((RETURN, 0, 0, ALLOW))
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def deny_network(libc) -> None:
    machine = platform.machine()
    if machine not in ARCHES:
        raise ConfineError(f"no seccomp network filter for the {machine} architecture (only {', '.join(ARCHES)})")
    code = _filter(*ARCHES[machine])
    instructions = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = SockFprog(len(code) // 8, ctypes.cast(instructions, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise _failed("prctl(PR_SET_SECCOMP)")


# -- files ------------------------------------------------------------------------------------


def readable_dirs() -> list[Path]:
    """What a Python run needs to read: the system, the interpreter's prefixes and its import path,
    and this directory (the runner's; `python -I` puts no script directory on the path)."""
    paths = [*SYSTEM_READ, str(Path(__file__).resolve().parent), sys.prefix, sys.base_prefix, sys.exec_prefix, *sysconfig.get_paths().values(), *sys.path]
    seen: dict[Path, None] = {}
    for path in paths:
        if path and os.path.exists(path):
            seen.setdefault(Path(path).resolve(), None)
    return list(seen)


def _under(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none)."""
    return max(0, _libc().syscall(LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION))


def restrict_files(write: list[Path], hide: list[Path], libc, read_also: list[Path] = ()) -> int:
    """Install the Landlock ruleset; the ABI version it used. read_also: more trees to read and
    execute only (a task environment's venv, which the command must run but never change)."""
    abi = libc.syscall(LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if abi < 1:
        raise ConfineError(f"Landlock is not available here ({os.strerror(ctypes.get_errno())}): the kernel lacks it or it is disabled")
    read = [*readable_dirs(), *(Path(r).resolve() for r in read_also if os.path.exists(r))]
    for hidden in (Path(h).resolve() for h in hide):
        for parent in read:
            if _under(hidden, parent):
                raise ConfineError(f"{hidden} must stay hidden from the runs but lies under {parent}, which they need to read")
    handled = ABI1_RIGHTS | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0) | (IOCTL_DEV if abi >= 5 else 0)
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled, 0, scoped) if abi >= 6 else struct.pack("=Q", handled)
    ruleset = libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.c_char_p(attr), len(attr), 0)
    if ruleset < 0:
        raise _failed("landlock_create_ruleset")
    try:
        devices = [(Path(d), READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV) for d in DEVICES]
        rules = [(p, READ_FILE | READ_DIR | EXECUTE) for p in read] + [(Path("/dev"), READ_DIR), *devices] + [(Path(w), handled) for w in write]
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a directory this system does not have
            try:
                if not os.path.isdir(path):
                    rights &= FILE_RIGHTS
                rule = struct.pack("=Qi", rights & handled, fd)
                if libc.syscall(LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.c_char_p(rule), 0) != 0:
                    raise _failed(f"landlock_add_rule({path})")
            finally:
                os.close(fd)
        if libc.syscall(LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise _failed("landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def drop_capabilities(libc) -> None:
    """Empty the bounding and ambient sets, so that the exec that follows leaves no capability even
    to root (a server run as root: its runs would otherwise trace it or read past Landlock's view of
    /proc). Without CAP_SETPCAP (any non-root user) the process has none to lose; nothing to do."""
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, None, 0, 0)
    try:
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, None, 0, 0) != 0 and ctypes.get_errno() == errno.EPERM:
            return  # no CAP_SETPCAP: not privileged to begin with


def confine(write: list[Path], hide: list[Path], read: list[Path] = ()) -> None:
    """Confine this process (and so everything it starts); ConfineError if any part cannot be
    installed: the caller must then not run untrusted code."""
    libc = _libc()
    drop_capabilities(libc)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise _failed("prctl(PR_SET_NO_NEW_PRIVS)")
    restrict_files(write, hide, libc, read)
    deny_network(libc)


def protect_server() -> None:
    """Make the calling process (the server) not dumpable: its /proc files (the environment it was
    started with, where tokens may sit; its memory maps) become root's, unreadable by the runs that
    share its uid. Landlock stops their ptrace but not reads of /proc/PID/environ. A runner is
    dumpable again after its exec, and holds nothing secret (local.py gives it a scrubbed environment)."""
    libc = _libc()
    if libc.prctl(PR_SET_DUMPABLE, 0, None, 0, 0) != 0:
        raise _failed("prctl(PR_SET_DUMPABLE)")


# -- the check a server runs before promising confinement ---------------------------------------

PROBE = """
import os, socket, sys
try:
    socket.socket()
    sys.exit("a confined process opened a network socket")
except PermissionError:
    pass
for hidden in sys.argv[1:]:
    try:
        os.listdir(hidden)
        sys.exit(f"a confined process could read {hidden}")
    except PermissionError:
        pass
"""


def check(hide: list[Path]) -> str | None:
    """Start a process through this wrapper and see that it can open no socket and read none of
    `hide`: None when that holds, else why not."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="debugbox-confine-check-") as scratch:
        command = [sys.executable, "-I", __file__, "--write", scratch, *[a for h in hide for a in ("--hide", str(h))], "--",
                   sys.executable, "-I", "-c", PROBE, *map(str, hide)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"the check could not run: {exc}"
    if done.returncode == 0:
        return None
    return done.stderr.strip()[-500:] or f"the confined probe exited with {done.returncode}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="confine.py", description="run a command with no network and only its own files")
    parser.add_argument("--write", action="append", default=[], help="a directory the command may write (repeatable)")
    parser.add_argument("--hide", action="append", default=[], help="a directory it must not read (refused if it cannot be hidden)")
    parser.add_argument("--read", action="append", default=[], help="a directory it may read and execute but not change (repeatable)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    try:
        confine([Path(w) for w in args.write], [Path(h) for h in args.hide], [Path(r) for r in args.read])
    except ConfineError as exc:
        print(f"confine: {exc}; refusing to run {command[0]}", file=sys.stderr)
        return 3
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
