"""MariaDB for Prisma's `mysql` provider: a throwaway server (or DBOPS_TEST_MYSQL_URL), a database per test, and
Prisma's native deploy as the test runs it (the referee has no MySQL adapter here)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import compute_checksum
from ansible_collections.backoffice.dbops.tests.support import scenarios
from ansible_collections.backoffice.dbops.tests.support.backends.base import (
    Backend,
    DeployFailed,
    as_service_user,
    free_port,
    service_dir,
    tool,
    wait,
    with_database,
)
from ansible_collections.backoffice.dbops.tests.support.prisma_like import P3018_HEAD, TRACE

ENVIRONMENT_URL = "DBOPS_TEST_MYSQL_URL"
# Prisma's migrate lock (prisma-engines, flavour/mysql.rs).
PRISMA_LOCK = "SELECT GET_LOCK('prisma_migrate', 10)"
# mariadbd options that keep each session's last statements in performance_schema, as MySQL 8 does by default.
STATEMENT_HISTORY = (
    "--performance-schema=ON",
    "--performance-schema-consumer-events-statements-current=ON",
    "--performance-schema-consumer-events-statements-history=ON",
    "--performance-schema-instrument=wait/lock/metadata/sql/mdl=ON",
)
# When the native deploy's first migration started.
DEPLOY_START = datetime(2020, 11, 27, 13, 49, 37, tzinfo=UTC)


class MysqlBackend(Backend):
    text_column = "VARCHAR(191) NULL"
    provider = "mysql"
    lockfile_provider = "mysql"
    server_fixture = "mysql_server"
    duplicate_message = "Duplicate entry"
    rehearses = False
    sleep_sql = "SELECT SLEEP({seconds})"
    timed_prisma_lock = "SELECT UTC_TIMESTAMP(6), GET_LOCK('prisma_migrate', 10), CONNECTION_ID(), UTC_TIMESTAMP(6)"
    lock_history_table = ("LOCK TABLES `_prisma_migrations` WRITE",)
    # Only a server that keeps statement history in performance_schema (MySQL 8's default) names the holders.
    names_lock_holders = False

    @staticmethod
    def session_id(connection):
        return connection.thread_id()

    @classmethod
    def create(cls, server, folder: Path, cleanups: list, *, name=None, schema=None, driver="freetds", template=None):
        del schema, driver
        assert template is None, "MariaDB has no template databases"
        name = name or cls.throwaway_name()
        admin = cls(with_database(server, "mysql"), str(folder))
        admin.execute(f"CREATE DATABASE {admin.quote(name)}")
        cleanups.append(lambda: admin.execute(f"DROP DATABASE IF EXISTS {admin.quote(name)}"))
        return cls(with_database(server, name), str(folder))

    @staticmethod
    def autocommit(connection) -> None:
        connection.autocommit(True)

    @classmethod
    def with_statement_history(cls, server, folder: Path, cleanups: list) -> MysqlBackend:
        """A fresh database on a server that keeps statement history (throwaway_server(STATEMENT_HISTORY))."""
        backend = cls.create(server, folder, cleanups)
        backend.names_lock_holders = True
        return backend

    def hold_prisma_lock(self):
        connection = self.connect()
        cursor = connection.cursor()
        cursor.execute(PRISMA_LOCK)
        assert cursor.fetchone()[0] == 1
        return connection

    @staticmethod
    def error_message(error: BaseException) -> str:
        return error.args[1] if len(error.args) > 1 and isinstance(error.args[1], str) else str(error)

    def native_logs(self, name: str, error: BaseException) -> str:
        return native_logs_text(name, error.args[0], error.args[1], 1)

    def dump(self) -> str:
        return self._dump()

    def schema_dump(self) -> str:
        # The next AUTO_INCREMENT value follows the rows, not the schema.
        return re.sub(r" AUTO_INCREMENT=\d+", "", self._dump("--no-data"))

    def _dump(self, *flags: str) -> str:
        target = self.target
        command = [
            tool("mariadb-dump", "mysqldump"),
            *flags,
            "--skip-dump-date",
            "--skip-comments",
            f"--host={target.host}",
            f"--port={target.port}",
            f"--user={target.user}",
            target.database,
        ]
        env = {**os.environ, "MYSQL_PWD": target.password or ""}
        return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout

    def deploy(self, migrations: Path) -> list[str]:
        """Prisma's native MySQL deploy: a row per migration, its statements one by one (each DDL commits), and on the
        first error the row keeps P3018 logs naming the 1-based query number."""
        from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements

        history = self.database.history
        if not self.execute(*history.table_exists_query()):
            self.execute(history.create_table)
        rows = self.execute(f"SELECT migration_name, finished_at, rolled_back_at FROM {history.table}") or []
        failed = [name for (name, finished, rolled_back) in rows if finished is None and rolled_back is None]
        if failed:
            raise DeployFailed("P3009", f"failed migrations: {failed}")
        done = {name for (name, finished, rolled_back) in rows if finished is not None and rolled_back is None}
        applied = []
        for offset, folder in enumerate(sorted(path for path in migrations.iterdir() if path.is_dir())):
            if folder.name in done:
                continue
            script = (folder / "migration.sql").read_text()
            row_id = str(uuid.uuid4())
            stamp = history.bind_timestamp(DEPLOY_START + timedelta(seconds=offset))
            self.execute(
                f"INSERT INTO {history.table} (id, checksum, started_at, migration_name) VALUES (%s, %s, %s, %s)",
                (row_id, compute_checksum(script), stamp, folder.name),
            )
            for statement in split_statements(script, self.database.dialect.syntax):
                try:
                    self.execute(statement.text)
                except Exception as error:  # PyMySQL's classes: the server's errno and message are in args
                    errno, message = error.args[0], error.args[1]
                    logs = native_logs_text(folder.name, errno, message, statement.index)
                    self.execute(f"UPDATE {history.table} SET logs = %s WHERE id = %s", (logs, row_id))
                    raise DeployFailed("P3018", message, statement.index) from None
            self.execute(
                f"UPDATE {history.table} SET finished_at = %s, applied_steps_count = 1 WHERE id = %s", (stamp, row_id)
            )
            applied.append(folder.name)
        return applied

    def seed_scripts(self, bio: str = "same") -> dict[str, str]:
        return {
            scenarios.INIT: "CREATE TABLE `User` (`id` INTEGER NOT NULL AUTO_INCREMENT, `email` VARCHAR(191) NOT NULL, "
            "`bio` VARCHAR(191) NULL, PRIMARY KEY (`id`)) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
            "INSERT INTO `User` (`email`, `bio`) "
            f"VALUES ('ada@example.com', '{bio}'), ('grace@example.com', '{bio}');\n",
            scenarios.BIO_INDEX: "-- CreateIndex\nCREATE UNIQUE INDEX `User_bio_key` ON `User`(`bio`);\n",
            scenarios.LATER: "-- AlterTable\nALTER TABLE `User` ADD COLUMN `name` VARCHAR(191) NULL;\n",
        }


def native_logs_text(name: str, errno: int, message: str, query_number: int) -> str:
    """What Prisma's native engine writes into logs when statement `query_number` fails on MySQL (its P3018)."""
    return (
        f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {errno}\n\nDatabase error:\n{message}\n\n"
        f"Please check the query number {query_number} from the migration file.\n" + TRACE.format(name=name)
    )


# -- The server ------------------------------------------------------------------------------------------------------


def server_unavailable() -> str | None:
    if not tool("mariadb-install-db", "mysql_install_db") or not tool("mariadbd", "mysqld"):
        return f"mariadb-install-db/mariadbd not found (install mariadb-server) and {ENVIRONMENT_URL} not set"
    return None


@contextlib.contextmanager
def throwaway_server(options: tuple[str, ...] = ()):
    """A fresh MariaDB on a free loopback port (root without a password); `options`: more mariadbd options (e.g.
    --performance-schema=ON). Yields its admin URL."""
    import pymysql

    with service_dir("mysql", "dbops-mariadb-") as workdir:
        data = os.path.join(workdir, "data")
        # Each server its own temporary directory: in a shared /tmp, concurrent bootstraps remove each other's
        # `#sql-temptable-*` files and mariadb-install-db fails with "Unknown table 'mysql.tmp_user_sys'".
        temporary = os.path.join(workdir, "tmp")
        os.mkdir(temporary)
        if os.geteuid() == 0:
            shutil.chown(temporary, "mysql")
        port = free_port()
        installed = subprocess.run(
            [
                tool("mariadb-install-db", "mysql_install_db"),
                "--no-defaults",
                "--user=mysql",
                f"--datadir={data}",
                f"--tmpdir={temporary}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if installed.returncode:
            raise RuntimeError(f"mariadb-install-db failed:\n{installed.stdout[-2000:]}{installed.stderr[-2000:]}")
        server = subprocess.Popen(
            as_service_user(
                "mysql",
                [
                    tool("mariadbd", "mysqld"),
                    "--no-defaults",
                    f"--datadir={data}",
                    f"--port={port}",
                    "--bind-address=127.0.0.1",
                    f"--socket={os.path.join(workdir, 'sock')}",
                    f"--tmpdir={temporary}",
                    "--skip-log-bin",
                    "--innodb-flush-log-at-trx-commit=0",
                    *options,
                ],
            ),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(workdir, "log"), "w"),  # noqa: SIM115
        )

        def ready():
            try:
                pymysql.connect(host="127.0.0.1", port=port, user="root", password="", connect_timeout=1).close()
                return True
            except pymysql.err.OperationalError:
                if server.poll() is not None:
                    raise RuntimeError(f"mariadbd exited; see {workdir}/log") from None
                return False

        try:
            wait(ready, "mariadbd")
            yield f"mysql://root@127.0.0.1:{port}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
