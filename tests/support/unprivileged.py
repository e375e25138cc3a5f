"""Run a command as an unprivileged user (nobody), as an execution environment runs ansible-playbook.

The interpreter may sit below a folder that user cannot enter (pyenv under /root, mode 0700). Then the command runs
in a private mount namespace where that folder is replaced by an enterable one holding only the paths it needs; the
rest of the machine is seen unchanged, and nothing is changed outside the namespace.
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

NOBODY = 65534


def enterable_by_others(folder: Path) -> bool:
    return bool(folder.stat().st_mode & stat.S_IXOTH)


def blocking_folder(path: Path) -> Path | None:
    """The highest folder above `path` that others may not enter, if any."""
    for folder in reversed(path.parents):
        if not enterable_by_others(folder):
            return folder
    return None


def as_nobody(command: list[str], needed=()) -> list[str]:
    """`command` run as nobody; `needed` are further paths it must reach (the interpreter's are added)."""
    if os.geteuid() != 0:
        return command  # already unprivileged
    paths = {Path(os.path.realpath(path)) for path in (sys.base_prefix, sys.prefix, *needed)}
    blocked: dict[Path, list[Path]] = {}
    for path in sorted(paths):
        folder = blocking_folder(path)
        if folder is not None:
            blocked.setdefault(folder, []).append(path)
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--", *command]
    if not blocked:
        return drop
    # Each needed path stays reachable through a descriptor the shell holds while a tmpfs covers its parent.
    lines, descriptor = [], 3
    for folder, inside in sorted(blocked.items()):
        first = descriptor
        for path in inside:
            lines.append(f"exec {descriptor}<{shlex.quote(str(path))}")
            descriptor += 1
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs {shlex.quote(str(folder))}")
        for offset, path in enumerate(inside):
            quoted = shlex.quote(str(path))
            lines += [f"mkdir -p {quoted}", f"mount --no-canonicalize --bind /proc/$$/fd/{first + offset} {quoted}"]
            lines.append(f"exec {first + offset}<&-")
    lines.append("exec " + shlex.join(drop))
    return ["unshare", "--mount", "--propagation", "private", "sh", "-euc", "; ".join(lines)]
