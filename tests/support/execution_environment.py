"""The execution environment without a container engine: its build context as `ansible-builder create` lays it out,
and its collections as the image's galaxy stage installs them (`COPY _build /build`, `WORKDIR /build`, then the
Containerfile's own `ansible-galaxy collection install -r requirements.yml --collections-path ...`)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
DEFINITION_FILES = ("execution-environment.yml", "requirements.txt", "bindep.txt")
GALAXY_STAGE_INSTALL = re.compile(r"^RUN .*(ansible-galaxy collection install .*)$", re.MULTILINE)


def build_dist(dist: Path) -> subprocess.CompletedProcess:
    """`make dist` (scripts/build-dist) into `dist`: the tarball and the galaxy requirements file beside it."""
    environment = {"PATH": f"{BIN}:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": str(dist.parent)}
    return subprocess.run(
        [str(ROOT / "scripts" / "build-dist"), str(dist)],
        env={**environment, "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"},
        capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip


def create_context(folder: Path, *, with_dist: bool = True) -> subprocess.CompletedProcess:
    """`ansible-builder create` in `folder` on a copy of the definition (and of dist/, built for it); the context is
    folder/ctx."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in DEFINITION_FILES:
        shutil.copy(ROOT / name, folder / name)
    if with_dist:
        built = build_dist(folder / "dist")
        assert built.returncode == 0, built.stdout + built.stderr
    return subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", str(folder / "execution-environment.yml"), "-c", "ctx"],
        cwd=folder, capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip


def containerfile(context: Path) -> str:
    return next(path for path in context.iterdir() if path.name in ("Containerfile", "Dockerfile")).read_text()


def install_as_the_galaxy_stage(context: Path, collections: Path) -> Path:
    """Run the Containerfile's galaxy-stage install on a copy of context/_build, with `collections` in place of the
    image's /usr/share/ansible/collections; the installed collection's folder."""
    (command,) = GALAXY_STAGE_INSTALL.findall(containerfile(context))
    arguments = shlex.split(command.replace("$ANSIBLE_GALAXY_CLI_COLLECTION_OPTS", ""))
    arguments[arguments.index("--collections-path") + 1] = str(collections)
    build = context.parent / "build"
    shutil.copytree(context / "_build", build)
    environment = {"PATH": f"{BIN}:/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": str(build)}
    installed = subprocess.run(
        [str(BIN / arguments[0]), *arguments[1:]],
        cwd=build,
        env={**environment, "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"},
        capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return collections / "ansible_collections" / "backoffice" / "dbops"
