"""An inventory written for 0.1.0 (the role's variables were dbops_*, renamed p3009_recovery_* in 0.2.0) is refused
before any connection, naming the new names, instead of being ignored: an ignored `dbops_protected: true` would
leave production unprotected."""

from __future__ import annotations

import json
import socket
import subprocess
import threading

from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIN,
    BIO_INDEX,
    PLAYBOOK,
    ROOT,
    playbook_env,
    write_inventory,
)


class Listener:
    """A TCP port that counts the connections made to it (and answers none)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self):
        self.server.close()


def run(inventory, *flags, **extra) -> subprocess.CompletedProcess:
    command = [f"{BIN}/ansible-playbook", PLAYBOOK, "-i", str(inventory), *flags]
    command += ["-e", json.dumps({"migration": BIO_INDEX, **extra})]
    completed = subprocess.run(
        command, cwd=ROOT, env=playbook_env(), capture_output=True, text=True, timeout=300, check=False
    )
    completed.output = completed.stdout + completed.stderr
    return completed


def test_a_0_1_0_inventory_is_refused_before_any_connection_naming_the_new_variables(tmp_path):
    listener = Listener()
    try:
        # prod as 0.1.0's inventories/group_vars/prod.yml had it, its URL pointing at a port that counts connections.
        inventory = write_inventory(
            tmp_path,
            "prod",
            {
                "dbops_protected": True,
                "dbops_database_url_source": "inventory",
                "dbops_database_url": f"postgresql://app:never-used-4711@127.0.0.1:{listener.port}/backoffice",
                "dbops_audit_dir": str(tmp_path / "audit"),
                "dbops_redeploy": {"kind": "none"},
            },
        )
        result = run(inventory, env="prod", confirm=BIO_INDEX)
    finally:
        listener.close()
    assert result.returncode != 0, result.output
    assert listener.accepted == 0
    assert "renamed and no longer reads" in result.output
    for old, new in [
        ("dbops_audit_dir", "p3009_recovery_audit_dir"),
        ("dbops_database_url", "p3009_recovery_database_url"),
        ("dbops_database_url_source", "p3009_recovery_database_url_source"),
        ("dbops_protected", "p3009_recovery_protected"),
        ("dbops_redeploy", "p3009_recovery_redeploy"),
    ]:
        assert f"{old} is now {new}" in result.output
    assert "never-used-4711" not in result.output
    assert not (tmp_path / "audit").exists()


def test_an_old_name_given_as_an_extra_var_is_refused_too(tmp_path):
    inventory = write_inventory(tmp_path, "rehearsal", {"p3009_recovery_database_url": "file:./none.db"})
    result = run(inventory, "--check", env="rehearsal", dbops_lock_timeout=5)
    assert result.returncode != 0
    assert "dbops_lock_timeout is now p3009_recovery_lock_timeout" in result.output


def test_the_playbooks_own_dbops_names_are_not_refused(tmp_path):
    """dbops_approved_in_workflow is the AWX workflow's variable for the playbook, not an old name of the role."""
    inventory = write_inventory(tmp_path, "rehearsal", {"p3009_recovery_database_url": f"file:{tmp_path}/none.db"})
    result = run(inventory, "--check", env="rehearsal", dbops_approved_in_workflow=True)
    assert "renamed and no longer reads" not in result.output
    # It goes on to the database, which does not exist: the refusal is then the database's, not ours.
    assert "database_missing" in result.output or "does not exist" in result.output, result.output
