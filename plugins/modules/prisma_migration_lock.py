#!/usr/bin/python
# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prisma_migration_lock
short_description: Show who holds Prisma's migrate lock, and release a lock a killed deploy left behind
version_added: 0.3.0
description:
  - C(prisma migrate deploy) takes a migrate lock for as long as it runs - PostgreSQL's advisory lock 72707369,
    C(GET_LOCK('prisma_migrate')) on MySQL and MariaDB, C(sp_getapplock) C(prisma_migrate) on SQL Server. A deploy
    killed mid-way (a cancelled pipeline, an evicted container) can leave the lock in a session nobody owns, and every
    later deploy waits for it and fails (P1002).
  - With O(state=info), returns the holder - session id, user, application name, client address, when it took the
    lock (where the engine records it; else bounds), how long it has been idle, whether it is idle, running a
    statement or idle inside an open transaction, and the kind of its statement (keywords only - never the
    statement's text, values or parameters).
  - With O(state=released), ends the holder's session, and only when it is not running a statement, has no
    transaction open, and has been idle for at least O(min_idle) seconds; otherwise fails naming what it is doing
    and ends nothing. The database checks these conditions again as it ends the session (PostgreSQL and SQL Server
    in the same statement; MySQL and MariaDB in the statement right before C(KILL CONNECTION)).
  - Nobody holding the lock is a normal answer (C(changed=false)).
  - SQLite - Prisma takes no migrate lock; there is never a holder, and O(state=released) does nothing.
  - SQL Server - the holder is read from C(sys.dm_tran_locks), C(sys.dm_exec_sessions) and C(sys.dm_exec_requests),
    which need C(VIEW SERVER STATE); ending it needs C(ALTER ANY CONNECTION). Babelfish for PostgreSQL does not
    expose the holder of an application lock - the module reports the lock held by a session it cannot see, and
    O(state=released) refuses (V(lock_holder_unknown)).
author:
  - Backoffice platform team (@backoffice-platform)
extends_documentation_fragment:
  - backoffice.dbops.database
  - backoffice.dbops.database.connection
options:
  state:
    description:
      - V(info) reads who holds the lock; nothing is changed.
      - V(released) ends the session holding the lock when it may be ended (see O(min_idle) and O(session)).
      - Any other value fails with V(invalid_option), changing nothing.
    type: str
    default: info
  min_idle:
    description:
      - Seconds the holder must have been idle (no statement running, no transaction open) before
        O(state=released) ends it. A deploy between two statements is idle for a moment; an orphaned one for good.
      - From V(0) to one year.
    type: int
    default: 300
  session:
    description:
      - The holder's session id as the operator saw it (RV(holders), or the detail of
        M(backoffice.dbops.prisma_migration_status)'s V(lock_held)). When given, O(state=released) refuses
        (V(lock_holder_changed)) if another session holds the lock now.
    type: str
  migrations_dir:
    description:
      - Not used; accepted so that C(module_defaults) for C(group/backoffice.dbops.prisma) apply to this module too.
attributes:
  check_mode:
    support: full
    description: Says which session would be ended (RV(ended)); ends nothing.
  diff_mode:
    support: none
    description: No diff.
notes:
  - PostgreSQL - ending another role's session needs that role or C(pg_signal_backend); its activity is visible with
    C(pg_read_all_stats) or as that role.
  - MySQL and MariaDB - another user's session is visible with C(PROCESS) and ended with C(CONNECTION_ADMIN) (MySQL)
    or C(CONNECTION ADMIN)/C(SUPER) (MariaDB). C(GET_LOCK) names belong to the server, not to one database.
    A transaction is seen as open once it has touched InnoDB (C(information_schema.INNODB_TRX)).
"""

EXAMPLES = r"""
- name: Who holds Prisma's migrate lock?
  backoffice.dbops.prisma_migration_lock:
    database_url: "{{ database_url }}"
  register: migrate_lock

- name: End the session a killed deploy left holding it (idle for 10 minutes at least)
  backoffice.dbops.prisma_migration_lock:
    database_url: "{{ database_url }}"
    state: released
    min_idle: 600
    session: "{{ migrate_lock.holders[0].session }}"
  when: migrate_lock.held
"""

RETURN = r"""
database:
  description: Where the lock was looked at, without credentials.
  returned: always
  type: str
  sample: postgresql app@db.internal:5432/backoffice (schema public)
held:
  description: Whether a session holds Prisma's migrate lock (before a release).
  returned: always
  type: bool
holders:
  description:
    - The sessions holding Prisma's migrate lock (Prisma's lock is exclusive - one at most), before a release.
  returned: always
  type: list
  elements: dict
  contains:
    session:
      description: The session id (PostgreSQL's pid, MySQL's connection id, SQL Server's spid); null when the login
        cannot see it.
      type: raw
    user:
      description: Who the session is logged in as.
      type: str
    application:
      description: The application name the client gave (PostgreSQL, SQL Server).
      type: str
    client_address:
      description: Where the session connects from.
      type: str
    since:
      description: When it took the lock, where the engine records it (MySQL/MariaDB's statement history); else null.
      type: str
    since_earliest:
      description: It took the lock no earlier (its session's start).
      type: str
    since_latest:
      description: It took the lock no later (the end of its last statement while it idles).
      type: str
    state:
      description: V(idle), V(running) (a statement) or V(idle_in_transaction); null when the database does not tell.
      type: str
    idle_seconds:
      description: How long it has been idle; null while it runs a statement.
      type: float
    running_seconds:
      description: How long its statement has been running; null while it idles.
      type: float
    statement_kind:
      description:
        - The kind of the statement it is running (V(SELECT), V(CREATE INDEX), V(ALTER TABLE), ...; V(other) for
          what starts otherwise); null while it idles. Keywords only, never names or values.
      type: str
  sample:
    - session: 4711
      user: app
      application: prisma-migrate
      client_address: 10.0.0.5
      since: null
      since_earliest: "2026-11-26T09:59:58Z"
      since_latest: "2026-11-26T10:00:03Z"
      state: idle
      idle_seconds: 1834.2
      running_seconds: null
      statement_kind: null
ended:
  description:
    - The session O(state=released) ended (in check mode, would end); null when nothing was (or would be) ended.
  returned: always
  type: raw
lock_free:
  description: Whether nobody holds the lock after the release (in check mode, whether it was free already).
  returned: when O(state=released)
  type: bool
msg:
  description: What was found and done, in one sentence.
  returned: always
  type: str
error_kind:
  description:
    - Why O(state=released) refused - V(lock_holder_busy) (running a statement, or its activity is not visible),
      V(lock_holder_in_transaction), V(lock_holder_recently_active) (idle for less than O(min_idle)),
      V(lock_holder_changed) (not the O(session) given), V(lock_holder_unknown) (a session this login cannot see),
      V(lock_holder_ambiguous); or the connection failure's kind, as M(backoffice.dbops.prisma_migration_info).
  returned: failure
  type: str
  sample: lock_holder_busy
hint:
  description: What to do about a failure, in one sentence.
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import report_failures
from ansible_collections.backoffice.dbops.plugins.module_utils.common.secrets import Secrets
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.options import (
    database_argument_spec,
    open_module_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.migrate_lock import (
    DEFAULT_MIN_IDLE,
    MigrateLockRelease,
    describe_activity,
    lock_state,
    min_idle,
)


def main():
    module = AnsibleModule(
        argument_spec=database_argument_spec(
            state={"type": "str", "default": "info"},
            min_idle={"type": "int", "default": DEFAULT_MIN_IDLE},
            session={"type": "str"},
        ),
        supports_check_mode=True,
    )
    params = module.params
    secrets = Secrets(module)
    with report_failures(module, secrets):
        state = lock_state(params["state"])
        minimum_idle = min_idle(params["min_idle"])
        database = open_module_database(module, secrets)
        lock = MigrateLockRelease(database)
        where = database.target.describe()
        secrets.keep([where])
        if state == "info":
            holders = lock.holders()
            module.exit_json(changed=False, database=where, held=bool(holders), holders=holders, ended=None,
                             msg=_info_message(lock.named_lock, holders))  # fmt: skip
        outcome = lock.release(minimum_idle, params["session"], check_mode=module.check_mode)
        module.exit_json(
            changed=outcome.ended is not None,
            database=where,
            held=bool(outcome.holders),
            holders=outcome.holders,
            ended=outcome.ended,
            lock_free=not outcome.holders if outcome.holders_after is None else not outcome.holders_after,
            msg=_release_message(lock.named_lock, outcome, module.check_mode),
        )


def _info_message(named_lock: bool, holders: list[dict]) -> str:
    if not named_lock:
        return "Prisma takes no migrate lock on this database (SQLite): nothing holds one."
    if not holders:
        return "Nobody holds Prisma's migrate lock."
    return "Prisma's migrate lock is held by " + ", ".join(
        f"session {holder.get('session')} ({describe_activity(holder)})" for holder in holders
    )


def _release_message(named_lock: bool, outcome, check_mode: bool) -> str:
    if not named_lock:
        return "Prisma takes no migrate lock on this database (SQLite): nothing to release."
    if outcome.ended is None:
        if outcome.holders_after is not None:
            return "The holder let go of Prisma's migrate lock before it was ended: nothing was ended."
        return "Nobody holds Prisma's migrate lock: nothing to release."
    if check_mode:
        return f"Would end session {outcome.ended}, which holds Prisma's migrate lock; nothing was ended (check mode)."
    still = " It still holds the lock: the server has not finished ending it." if outcome.holders_after else ""
    return f"Ended session {outcome.ended}, which held Prisma's migrate lock.{still}"


if __name__ == "__main__":
    main()
