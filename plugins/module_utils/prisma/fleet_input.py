# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet to check, from prisma_migration_status's options: validated as a whole before any database is contacted,
because a malformed list is the operator's to fix, not a database's outcome."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import DbopsError
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import parse_database_url
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.errors import DatabaseUrlError
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.fleet import FleetMember
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrations_directory import (
    read_migrations_directory,
)


def fleet_members(params: dict, secrets) -> list[FleetMember]:
    """One member per entry; every password goes to the module's `secrets` (which masks it by the collection's rule:
    never a short one), and every database name is kept out of Ansible's masking."""
    for option in ("concurrency", "connect_timeout", "statement_timeout"):
        if params[option] < 1:
            raise DbopsError(f"{option} must be at least 1, got {params[option]}.")
    names = [entry["name"] for entry in params["databases"]]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DbopsError(
            f"Database names must be unique in databases; repeated: {', '.join(duplicates)}.",
            hint="Name each database after its environment or tenant, e.g. test, prod, tenant-a.",
        )
    secrets.keep(names)
    directories = {}
    members = []
    for entry in params["databases"]:
        try:
            target = parse_database_url(entry["database_url"], entry.get("project_dir") or params.get("project_dir"))
        except DatabaseUrlError as exc:
            raise DbopsError(f"databases[{entry['name']}]: {exc.message}") from None
        secrets.add(target.password, f"The password of databases[{entry['name']}]")
        folder = entry.get("migrations_dir") or params.get("migrations_dir")
        if folder and folder not in directories:
            directories[folder] = read_migrations_directory(folder).migrations
        members.append(FleetMember(entry["name"], target, directories.get(folder) if folder else None))
    return members
