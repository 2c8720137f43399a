"""Run a command with no network: `python3 -I netless.py PROGRAM ARGS...`.

The local backend inside the OpenEnv image starts its runner through this, because there the
runner shares the container's network with the server (whose port is open without a token) and,
under a plain `docker run` such as OpenEnv's `from_docker_image`, with the Internet. A network
namespace would need CAP_SYS_ADMIN, which neither Docker's default seccomp profile nor a
non-root user allows; a seccomp filter needs no privilege once no_new_privs is set, is inherited
by every process the command starts, and can never be removed. It lets a process create only
Unix sockets (pipes, socketpairs, the runner's own channels), refuses io_uring (which can create
sockets without the socket syscall) and every syscall of a foreign ABI (x32, 32-bit), and sets
no_new_privs, so no setuid or file-capability binary can raise a privilege either.

Standard library only: it runs before the runner, in images without debugbox's dependencies.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys

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

# machine -> (AUDIT_ARCH_*, socket syscall number); io_uring_setup is 425 on both.
ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}
IO_URING_SETUP = 425


class NetlessError(RuntimeError):
    pass


def _filter(arch: int, socket_nr: int) -> bytes:
    refuse = ERRNO | errno.EACCES
    program = [
        (LOAD_WORD, 0, 0, OFFSET_ARCH),
        (JUMP_EQ, 1, 0, arch),  # a foreign ABI is refused whole
        (RETURN, 0, 0, refuse),
        (LOAD_WORD, 0, 0, OFFSET_NR),
        (JUMP_GE, 0, 1, X32_SYSCALL_BIT),  # x32 calls share x86_64's arch value
        (RETURN, 0, 0, refuse),
        (JUMP_EQ, 3, 0, socket_nr),
        (JUMP_EQ, 0, 1, IO_URING_SETUP),
        (RETURN, 0, 0, ERRNO | errno.ENOSYS),
        (RETURN, 0, 0, ALLOW),
        (LOAD_WORD, 0, 0, OFFSET_ARG0),  # socket(domain, ...)
        (JUMP_EQ, 0, 1, AF_UNIX),
        (RETURN, 0, 0, ALLOW),
        (RETURN, 0, 0, ERRNO | errno.EACCES),
    ]
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in program)


def deny_network() -> None:
    """Install the filter on this process (and so on everything it starts); NetlessError if the
    kernel or the architecture does not allow it: the caller must then not run untrusted code."""
    machine = platform.machine()
    if machine not in ARCHES:
        raise NetlessError(f"no seccomp network filter for the {machine} architecture (only {', '.join(ARCHES)})")
    code = _filter(*ARCHES[machine])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise NetlessError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    instructions = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = SockFprog(len(code) // 8, ctypes.cast(instructions, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise NetlessError(f"prctl(PR_SET_SECCOMP) failed: {os.strerror(ctypes.get_errno())}")


PROBE = "import socket\ntry:\n    socket.socket()\nexcept PermissionError:\n    raise SystemExit(0)\nraise SystemExit(1)"


def check() -> str | None:
    """Start a process through this wrapper and see that it cannot open a socket: None when it
    holds, else why not. A server that promised no network checks this before serving."""
    import subprocess

    command = [sys.executable, "-I", __file__, sys.executable, "-I", "-c", PROBE]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the check could not run: {exc}"
    if done.returncode == 0:
        return None
    return done.stderr.strip()[-500:] or "a process started through netless.py could still open a socket"


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: netless.py PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    try:
        deny_network()
    except NetlessError as exc:
        print(f"netless: {exc}; refusing to run {argv[0]} with network", file=sys.stderr)
        return 3
    os.execv(argv[0], argv)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
