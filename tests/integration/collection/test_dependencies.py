"""requirements.txt is what the modules import, in ranges an execution environment can share with
azure.azcollection; the unit tests' and the pinned development requirements agree with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from ansible_collections.backoffice.dbops.tests.support.recovery import ROOT

AZCOLLECTION = ROOT / "tests" / "dependencies" / "azure.azcollection-3.21.0-requirements.txt"


def requirements(path) -> dict[str, Requirement]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    parsed = [Requirement(line) for line in lines if line and not line.startswith("-")]
    return {canonicalize_name(requirement.name): requirement for requirement in parsed}


def imported_distributions() -> set[str]:
    """Every library the collection imports goes through import_library(name, distribution, purpose)."""
    text = "\n".join(path.read_text() for path in (ROOT / "plugins").rglob("*.py"))
    return {canonicalize_name(name) for name in re.findall(r'import_library\(\s*"[^"]+",\s*"([^"]+)"', text)}


def test_requirements_are_exactly_what_the_modules_import():
    runtime = requirements(ROOT / "requirements.txt")
    assert set(runtime) == imported_distributions()
    assert "ansible-core" not in runtime
    for requirement in runtime.values():
        assert any(spec.operator == ">=" for spec in requirement.specifier), f"{requirement} has no lower end"
        assert any(spec.operator == "<" for spec in requirement.specifier), f"{requirement} has no upper end"


def test_the_unit_test_requirements_repeat_the_runtime_ones():
    """ansible-test copies tests/unit/requirements.txt alone, so it cannot include requirements.txt."""
    units = requirements(ROOT / "tests" / "unit" / "requirements.txt")
    test_only = ("hypothesis", "jsonschema")
    assert {name: str(requirement) for name, requirement in units.items() if name not in test_only} == {
        name: str(requirement) for name, requirement in requirements(ROOT / "requirements.txt").items()
    }
    assert "hypothesis" in units


def test_the_pinned_development_versions_are_inside_the_ranges():
    runtime = requirements(ROOT / "requirements.txt")
    pinned = requirements(ROOT / "requirements-dev.txt")
    for name, requirement in runtime.items():
        (pin,) = [spec.version for spec in pinned[name].specifier if spec.operator == "=="]
        assert requirement.specifier.contains(pin, prereleases=True), f"{name}=={pin} is outside {requirement}"


def test_the_ranges_install_beside_azure_azcollection(tmp_path):
    """pip's resolver, on the whole set an execution environment with both collections asks for."""
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--disable-pip-version-check", "--report", str(report),
         "-r", str(ROOT / "requirements.txt"), "-r", str(AZCOLLECTION)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-4000:]
    chosen = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    theirs = requirements(AZCOLLECTION)
    for name, requirement in requirements(ROOT / "requirements.txt").items():
        assert requirement.specifier.contains(chosen[name], prereleases=True)
        if name in theirs:
            assert theirs[name].specifier.contains(chosen[name], prereleases=True)
