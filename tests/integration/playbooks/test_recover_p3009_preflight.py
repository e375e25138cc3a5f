"""recover_p3009.yml with its preflight: the real playbook refuses what would bring P3009 back, says why, and
records the preflight in the audit without sample values or secrets."""

from __future__ import annotations

import json
import subprocess

import pytest

from ansible_collections.backoffice.dbops.tests.support.backends import unavailable
from ansible_collections.backoffice.dbops.tests.support.preflight import digest, failed_deploy
from ansible_collections.backoffice.dbops.tests.support.prisma_referee import referee_available
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    BIO_INDEX,
    DB_PASSWORD,
    PLAYBOOK,
    ROOT,
    playbook_env,
    write_inventory,
)
from ansible_collections.backoffice.dbops.tests.support.scenarios import INIT, LATER

# A value only the data holds: wherever it shows up, a sample leaked.
SAMPLE = "bio-Sample-4242"


@pytest.fixture(scope="module", autouse=True)
def _referee_installed():
    if not referee_available():
        unavailable("Prisma's engine is not installed: run `make setup` (npm ci --prefix tests/referee)")


def run(inventory, migration, *flags, **extra) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory), *flags]
    command += ["-e", json.dumps({"env": "rehearsal", "migration": migration, **extra})]
    completed = subprocess.run(
        command, cwd=ROOT, env=playbook_env(), capture_output=True, text=True, timeout=300, check=False
    )
    completed.output = completed.stdout + completed.stderr
    assert DB_PASSWORD not in completed.output
    return completed


def audit_record(folder) -> tuple[dict, str]:
    (path,) = sorted(folder.glob("*.json"))
    text = path.read_text()
    assert DB_PASSWORD not in text and SAMPLE not in text
    path.unlink()
    return json.loads(text), text


def inventory_for(tmp_path, url, migrations, **extra):
    return write_inventory(
        tmp_path,
        "rehearsal",
        {
            "p3009_recovery_database_url": url,
            "p3009_recovery_migrations_dir": str(migrations),
            "p3009_recovery_audit_dir": str(tmp_path / "audit"),
            **extra,
        },
    )


def test_data_not_fixed_stops_before_resolving_then_the_override_holds_the_redeploy(make_backend, tmp_path):
    backend = make_backend("sqlite")
    migrations = backend.p3009(tmp_path, bio=SAMPLE)
    marker = tmp_path / "deployed"
    inventory = inventory_for(
        tmp_path,
        f"file:{backend.target.path}",
        migrations,
        p3009_recovery_redeploy={"kind": "command", "argv": ["touch", str(marker)]},
    )
    before = digest(backend)

    dry = run(inventory, BIO_INDEX, "--check")
    assert dry.returncode != 0
    assert "Rehearsal: fails at statement 1 (unique_violation" in dry.output
    assert not (tmp_path / "audit").exists()

    refused = run(inventory, BIO_INDEX)
    assert refused.returncode != 0
    shown = " ".join(refused.output.split())
    assert "Will fail at statement 1: 2 rows of User share bio" in shown and SAMPLE in shown
    assert "Will fail at statement 1 (unique_violation): 2 row(s) of User in the way" in shown
    assert digest(backend) == before
    record, _text = audit_record(tmp_path / "audit")
    assert record["outcome"] == "failed"
    preflight = record["preflight"]
    assert (preflight["cause_kind"], preflight["offending_count"], preflight["verdict"]) == (
        "unique_violation",
        2,
        "none",
    )
    assert preflight["rehearsal"]["ran"] is True and preflight["rehearsal"]["succeeded"] is False

    forced = run(inventory, BIO_INDEX, resolve_without_fix=True)
    assert forced.returncode == 0, forced.output
    assert not marker.exists()
    record, _text = audit_record(tmp_path / "audit")
    assert record["outcome"] == "resolved" and record["redeploy"]["state"] == "held"


def test_counts_only_keeps_sample_values_out_of_the_run_and_passwords_out_of_vvv(make_backend, tmp_path):
    backend = make_backend("postgresql")
    migrations = backend.p3009(tmp_path, bio=SAMPLE)
    parts = backend.url.split("://", 1)
    url = f"{parts[0]}://postgres:{DB_PASSWORD}@{parts[1].split('@', 1)[1]}"
    inventory = inventory_for(tmp_path, url, migrations, p3009_recovery_preflight_sample_size=0)
    refused = run(inventory, BIO_INDEX, "-vvv")
    assert refused.returncode != 0
    assert "2 rows of User share 1 duplicated bio value(s)" in " ".join(refused.output.split())
    assert SAMPLE not in refused.output
    audit_record(tmp_path / "audit")

    both = f"grace@example.com' OR {backend.quote('email')} = 'ada@example.com"
    backend.execute(backend.fix_data.replace("grace@example.com", both))
    resolved = run(inventory, BIO_INDEX, "-vvv")
    assert resolved.returncode == 0, resolved.output
    assert "Rehearsal: succeeded (rolled back)" in resolved.output
    record, _text = audit_record(tmp_path / "audit")
    assert record["preflight"]["rehearsal"]["succeeded"] is True and record["preflight"]["advice"] == "retry"
    assert backend.deploy(migrations) == [BIO_INDEX, LATER]


def test_partial_on_mariadb_is_not_rolled_back_until_accepted(make_backend, tmp_path):
    backend = make_backend("mysql")
    name = "20201201000000_nick_and_bio"
    migrations = backend.write_migrations(
        tmp_path / "migrations",
        {
            INIT: "CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, `bio` VARCHAR(191) NULL, "
            f"PRIMARY KEY (`id`));\nINSERT INTO `User` (`bio`) VALUES ('{SAMPLE}'), ('{SAMPLE}');\n",
            name: "ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL;\n"
            "CREATE UNIQUE INDEX `User_bio_key` ON `User`(`bio`);\n",
        },
    )
    assert failed_deploy(backend, migrations).statement_index == 2
    inventory = inventory_for(tmp_path, backend.url, migrations)
    before = digest(backend)

    refused = run(inventory, name)
    assert refused.returncode != 0
    assert "left statement(s) 1 applied (verdict partial)" in " ".join(refused.output.split())
    assert digest(backend) == before
    record, _text = audit_record(tmp_path / "audit")
    assert record["preflight"]["verdict"] == "partial" and record["preflight"]["applied_statements"] == [1]
    assert record["preflight"]["rehearsal"]["ran"] is False

    backend.execute("ALTER TABLE `User` DROP COLUMN `nick`")
    accepted = run(inventory, name, accept_partial=True, resolve_without_fix=True)
    assert accepted.returncode == 0, accepted.output
    record, _text = audit_record(tmp_path / "audit")
    assert record["outcome"] == "resolved" and record["preflight"]["verdict"] == "none"
