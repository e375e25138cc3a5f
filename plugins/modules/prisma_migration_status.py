#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prisma_migration_status
short_description: Triage many databases at once - which are blocked by a failed Prisma migration, and by what
version_added: 0.2.0
description:
  - Checks every database in O(databases) concurrently, each with its own connection and statement timeouts, and
    gives each exactly one RV(databases[].outcome).
  - History outcomes, as C(prisma migrate deploy) would meet them - V(blocked) (failed migrations, with the P3009
    text Prisma would print), V(lock_held) (someone holds Prisma's migrate lock; who, from where, since when),
    V(edited) (an applied migration's file changed), V(missing_locally) (applied migrations with no local folder),
    V(pending) (migrations deploy would apply) and V(ok). V(lock_held) takes precedence over V(edited),
    V(missing_locally), V(pending) and V(ok), because a held lock stops a deploy too; V(blocked) over all of them.
  - V(lock_wait) when reading C(_prisma_migrations) waited O(statement_timeout) seconds for another session's lock on
    the table (an C(ALTER TABLE) or C(LOCK TABLE) in an open transaction); the history was not read, and a deploy
    would wait too. The sessions holding or queued for that lock are named where the engine tells them.
  - Connection outcomes, from the driver's error - V(firewall_closed) (Azure SQL 40615, with the client IP the server
    saw), V(public_access_disabled) (47073), V(vnet_rule_missing) (40914), V(auth_failed) (18456, 28P01, 1045),
    V(database_missing) (4060, 3D000, 1049, a missing SQLite file), V(unreachable) (DNS, refused, timeout, and any
    connection failure of no known kind) and V(tls_error).
  - V(unsupported) when the history is not Prisma's C(_prisma_migrations) - Prisma 8's marker and ledger tables, or
    a table of that name with another shape - or cannot be read; it is named, never guessed at.
  - One bad database never fails the module; a malformed O(databases) list does, before any database is contacted.
  - Read only.
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database.connection
options:
  databases:
    description:
      - The databases to check.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The database's name in the report; unique in the list.
        type: str
        required: true
      database_url:
        description:
          - Its Prisma C(DATABASE_URL), as for M(backoffice.dbops.prisma_migration_info). Never logged or returned.
        type: str
        required: true
      migrations_dir:
        description: Its Prisma migrations folder; O(migrations_dir) when not given.
        type: path
      project_dir:
        description: The folder a relative SQLite C(file:) URL resolves against; O(project_dir) when not given.
        type: path
  migrations_dir:
    description:
      - The migrations folder of every database that names none; without one, pending, edited and missing local
        migrations are not reported.
    type: path
  project_dir:
    description: The folder relative SQLite C(file:) URLs resolve against, for every database that names none.
    type: path
  concurrency:
    description: How many databases are checked at the same time.
    type: int
    default: 16
  connect_timeout:
    description:
      - Seconds each database has to accept a connection and complete its handshake (a server that accepts the
        connection and never answers is given no longer).
    type: int
    default: 10
  statement_timeout:
    description:
      - Seconds each query may wait for a lock on the history before the database is reported V(lock_wait); a
        query that gets no answer at all is given one second more, then reported V(unreachable).
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description: Only reads; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed.
"""

EXAMPLES = r"""
- name: Which databases are blocked, and by what?
  backoffice.dbops.prisma_migration_status:
    migrations_dir: /srv/api/prisma/migrations
    databases:
      - name: test
        database_url: "{{ test_database_url }}"
      - name: prod
        database_url: "{{ prod_database_url }}"
  register: fleet

- name: Fail when deploy is blocked anywhere
  ansible.builtin.assert:
    that: fleet.failing | length == 0
    fail_msg: "Blocked: {{ fleet.failing | join(', ') }}"
"""

RETURN = r"""
databases:
  description: One entry per database, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The database's name.
      type: str
    database:
      description: Where it is, without credentials.
      type: str
    outcome:
      description: Exactly one of the outcomes described above.
      type: str
      sample: blocked
    detail:
      description: One line saying what the outcome rests on.
      type: str
    error_kind:
      description:
        - When the history could not be read, the kind of error behind the outcome - the connection outcome itself,
          V(lock_timeout) with V(lock_wait), V(permission_denied) and the like with V(unsupported); absent otherwise.
      type: str
      version_added: 0.3.0
    hint:
      description: For a connection outcome, what to do about it.
      type: str
    client_ip:
      description: With V(firewall_closed), the address Azure SQL saw.
      type: str
    failed_migrations:
      description: Names of the failed migrations.
      type: list
      elements: str
    p3009_message:
      description: What C(prisma migrate deploy) would print, or null.
      type: str
    pending:
      description: Migrations deploy would apply (with a migrations folder).
      type: list
      elements: str
    edited:
      description: Applied migrations whose file changed (with a migrations folder).
      type: list
      elements: str
    missing_locally:
      description: Applied migrations with no local folder (with a migrations folder).
      type: list
      elements: str
    lock_holders:
      description:
        - With V(lock_held), the sessions holding Prisma's migrate lock; with V(lock_wait), those holding (C(granted))
          or queued for the lock on C(_prisma_migrations) the read waited behind - C(session), C(user),
          C(application), C(client_address), C(state).
        - C(since) is when the session took the lock, where the engine records it (MySQL and MariaDB - the end of its
          C(GET_LOCK) in C(performance_schema)'s statement history, when that is on); for a queued session, when it
          began to wait. Otherwise null, and C(since_earliest) (the session's, or for a table lock the
          transaction's, start) and C(since_latest) (the end of its last statement while it idles) bound it
          (PostgreSQL and SQL Server do not record when a lock was granted).
      type: list
      elements: dict
    elapsed:
      description: Seconds this database took.
      type: float
counts:
  description: How many databases have each outcome (every outcome, zeros included).
  returned: always
  type: dict
  sample: {ok: 3, pending: 1, blocked: 1, lock_held: 0, lock_wait: 0, firewall_closed: 1}
failing:
  description:
    - Names of the databases whose outcome stops a deploy or makes the history unsafe to read (V(blocked),
      V(lock_held), V(unsupported)).
  returned: always
  type: list
  elements: str
unchecked:
  description:
    - Names of the databases whose history could not be read at all (V(lock_wait) and the connection outcomes); their
      state is unknown.
  returned: always
  type: list
  elements: str
  version_added: 0.3.0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.options import (
    access_token_for,
    connection_argument_spec,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.fleet import CheckSettings, check_fleet
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.fleet_input import fleet_members
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.status import fleet_tally, identifiers_of


def main():
    module = AnsibleModule(
        argument_spec=connection_argument_spec(
            databases={
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "name": {"type": "str", "required": True},
                    "database_url": {"type": "str", "required": True, "no_log": True},
                    "migrations_dir": {"type": "path"},
                    "project_dir": {"type": "path"},
                },
            },
            migrations_dir={"type": "path"},
            project_dir={"type": "path"},
            concurrency={"type": "int", "default": 16},
            connect_timeout={"type": "int", "default": 10},
            statement_timeout={"type": "int", "default": 10},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        members = fleet_members(params, secrets)
        settings = CheckSettings(
            connect_timeout=params["connect_timeout"],
            statement_timeout=params["statement_timeout"],
            odbc_driver=params["odbc_driver"],
            access_token=access_token_for(module, [member.target for member in members], secrets),
        )
        statuses = check_fleet(members, settings, params["concurrency"])
        # Names the report carries (databases' own and their migrations') come back as they are.
        secrets.keep(identifiers_of(statuses))
        module.exit_json(changed=False, databases=statuses, **fleet_tally(statuses))


if __name__ == "__main__":
    main()
