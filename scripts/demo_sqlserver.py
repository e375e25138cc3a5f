"""`make demo-sqlserver`: the seed scenario on a SQL Server engine, recovered by recover_p3009.yml as on Azure SQL.

The database is DBOPS_DEMO_SQLSERVER_URL (a sqlserver:// URL of a login that may create a schema) or a throwaway
Babelfish from ../shared/babelfish/start-babelfish. In front of it stands Azure SQL's gateway as the tests emulate
it: it refuses the login with error 40615 until the emulated Azure (ARM, Entra ID, Key Vault) has a firewall rule for
the address it quotes. The playbook then does the whole runbook: firewall, identify, resolve, cleanup, audit.

1. Prisma's SQL Server deploy (as its flavour writes the history) applies the init migration, the "API" has stored
   two users with the same bio, and the bio index migration fails: the database is in the P3009 state.
2. recover_p3009.yml -e env=test -e migration=20201127134938_added_bio_index, the URL in the emulated Key Vault.
3. The data is fixed and the deploy applies the migration.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

from ansible_collections.backoffice.dbops.tests.support.backends import mssql
from ansible_collections.backoffice.dbops.tests.support.recovery import (
    BIO_INDEX,
    SERVER,
    recover_behind_azure_sql_gateway,
)


def say(title: str, text: str = "") -> None:
    print(f"\n== {title}", flush=True)
    if text:
        print(text.rstrip(), flush=True)


def server_url(stack: ExitStack) -> str:
    url = os.environ.get("DBOPS_DEMO_SQLSERVER_URL")
    if url:
        return url
    reason = mssql.server_unavailable()
    if reason:
        sys.exit(
            f"demo-sqlserver needs a SQL Server: {reason.replace('DBOPS_TEST_MSSQL_URL', 'DBOPS_DEMO_SQLSERVER_URL')}"
        )
    say("Starting Babelfish (SQL Server's TDS and T-SQL on PostgreSQL) from " + mssql.babelfish_script())
    return stack.enter_context(mssql.throwaway_server()).url(tls=False)


def main() -> int:
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="dbops-demo-sqlserver-") as work:
        folder = Path(work)
        url = server_url(stack)
        schema = f"dbops_demo_{uuid.uuid4().hex[:8]}"
        cleanups = []
        backend = mssql.MssqlBackend.create(mssql.SqlServerUnderTest(url=url), folder, cleanups, schema=schema)
        for cleanup in cleanups:
            stack.callback(cleanup)

        say("1. Prisma deploys; the bio index fails on the duplicate bios (P3009 from now on)")
        migrations = backend.p3009(folder)
        (logs,) = backend.execute(f"SELECT logs FROM {backend.table} WHERE finished_at IS NULL")[0]
        print(logs.split("\n   0: ")[0], flush=True)

        say("2. Fix the data the migration tripped on (the recovery's preflight checks it is fixed)")
        backend.execute(backend.fix_data)

        say(
            "3. recover_p3009.yml -e env=test -e migration=" + BIO_INDEX,
            "DATABASE_URL is in the (emulated) Key Vault and points at Azure SQL's (emulated) gateway, which refuses "
            "logins with error 40615 until the (emulated) Azure has a firewall rule for the address it quotes.",
        )
        run = recover_behind_azure_sql_gateway(backend, migrations, folder, verbose=False)
        print(run.result.stdout[run.result.stdout.find("PLAY [") :], flush=True)
        if run.result.returncode != 0:
            print(run.result.stderr, file=sys.stderr)
            return run.result.returncode
        print(f"Logins the gateway refused with 40615 before the rule took effect: {run.refused_logins}")
        print(f"Firewall rules left on {SERVER}: {sorted(run.rules_left)}")
        (record,) = run.audit
        print(f"Audit record: outcome {record['outcome']}, firewall rule removed: {record['firewall_rule_removed']}")

        say("4. Deploy again")
        print("Prisma applied:", ", ".join(backend.deploy(migrations)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
