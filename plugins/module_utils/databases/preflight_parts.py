# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts only the preflight and the repair use (Catalog, Rehearsal), apart from parts.py so that the modules
reading or writing the history never load them: Ansible compiles every module_util a module imports on each run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import ConnectOptions, Database
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import (
    Dialect,
    Driver,
    MigrateLock,
    Part,
    Parts,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    NOOP_TRANSACTION_CONTROL,
    UNREADABLE,
    TableInfo,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.target import DatabaseTarget


class Catalog(Part):
    """What the live catalog holds, and how to compare what migration.sql writes with what the catalog shows."""

    # A PRIMARY KEY makes its columns NOT NULL (SQLite keeps what the column declares).
    primary_key_implies_not_null: ClassVar[bool] = True
    # sqlglot type names the catalog shows as another type (PostgreSQL's SERIAL is an integer column).
    type_synonyms: ClassVar[dict[str, str]] = {}
    # sqlglot type names the catalog may show as another type (MariaDB's JSON is a LONGTEXT): never "different".
    uncomparable_types: ClassVar[frozenset[str]] = frozenset()
    # Integer display widths (MySQL's INT(11)) carry no meaning.
    display_widths: ClassVar[bool] = False

    def catalog_table(self, cursor, table) -> TableInfo | None:
        """What the live catalog holds about a table of migration.sql, or None when it does not exist."""
        raise NotImplementedError

    def catalog_type(self, cursor, schema: str | None, name: str):
        """A type's enum labels in order, () for a type that is not an enum, None when there is no such type, or
        UNREADABLE where the database has no types of its own."""
        del cursor, schema, name
        return UNREADABLE

    def catalog_thing(self, cursor, kind: str, schema: str | None, name: str):
        """Whether a function, procedure, view, materialized_view, sequence, extension or schema of that name exists;
        UNREADABLE for kinds this database's catalog read does not cover."""
        query = self._existence_query(kind, schema, name)
        if query is None:
            return UNREADABLE
        cursor.execute(*query)
        return cursor.fetchone() is not None

    def _first_row(self, cursor, query: str, schema: str | None, name: str) -> tuple | None:
        """The first row `query` returns for the object `name` in `schema` (the URL's when migration.sql names none),
        its two parameters; None when there is none."""
        cursor.execute(query, (schema or self.target.schema, name))
        return cursor.fetchone()

    def _existence_query(self, kind: str, schema: str | None, name: str) -> tuple[str, tuple] | None:
        """(SQL, parameters) that return a row when a `kind` object of that name exists; None for kinds this
        database's catalog read does not cover."""
        del kind, schema, name
        return None

    def catalog_index_table(self, cursor, schema: str | None, index: str) -> str | None:
        """The table an index named without its table belongs to (databases where index names are per schema)."""
        del cursor, schema, index
        return None

    def compare_types(self, expected: str, live: str) -> bool | None:
        from ansible_collections.backoffice.dbops.plugins.module_utils.sql.column_types import compare_types

        return compare_types(
            expected,
            live,
            self.dialect.syntax.sqlglot,
            self.type_synonyms,
            self.uncomparable_types,
            self.display_widths,
        )

    def same_default(self, expected: str, live: str) -> bool:
        from ansible_collections.backoffice.dbops.plugins.module_utils.sql.column_types import same_default

        return same_default(expected, live, self.dialect.syntax.sqlglot)

    def live_default(self, text: str | None) -> str | None:
        """A default the catalog shows, None for none; DEFAULT NULL is none."""
        from ansible_collections.backoffice.dbops.plugins.module_utils.sql.column_types import (
            is_null_default,
        )

        return None if text is None or is_null_default(text, self.dialect.syntax.sqlglot) else text

    def table_estimate(self, cursor, table) -> tuple[int | None, int | None] | None:
        """(rows, bytes) of a table of migration.sql as the catalog estimates them, without reading the table;
        None when there is no such table. Either may be None where the catalog keeps no estimate."""
        del cursor, table
        return None

    def count_up_to(self, cursor, table, limit: int) -> int:
        """The table's rows, counted no further than `limit`: for a table the catalog has no estimate of."""
        query = self.dialect.limited_select("1 AS one", f"FROM {self.dialect.qualified(table)}", limit)
        cursor.execute(f"SELECT count(*) FROM ({query}) AS counted")
        return cursor.fetchone()[0]

    def impact_facts(self, cursor) -> dict:
        """What the lock-impact plan needs to know about the database beyond its tables (SQLite's journal mode)."""
        del cursor
        return {}


class Rehearsal(Part):
    """Running a migration inside a transaction that is always rolled back, bounded."""

    # The settings that bound how long a statement runs or waits (lowercase): a migration may not loosen them.
    guarded_settings: ClassVar[tuple[str, ...]] = ()

    def __init__(self, target: DatabaseTarget, dialect: Dialect, lock: MigrateLock, driver: Driver):
        super().__init__(target, dialect)
        self.lock = lock
        self.driver = driver

    def rehearsal_blocker(self, connection, statements) -> str | None:
        """Why this migration cannot be rehearsed in a transaction that is rolled back, or None."""
        del connection
        for statement in statements:
            if statement.transaction_control and statement.transaction_control not in NOOP_TRANSACTION_CONTROL:
                return (
                    f"statement {statement.index} ({statement.transaction_control}) controls the transaction itself; "
                    "a rehearsal could not roll it back."
                )
        return None

    def limit_reads(self, cursor, *, statement_timeout: int, lock_wait: int) -> None:
        """Bound the preflight's own reads (catalog, offending rows) so that they never wait long behind a lock."""
        del cursor, statement_timeout, lock_wait

    def begin_rehearsal(self, connection, cursor, *, statement_timeout: int, lock_wait: int) -> bool:
        """Start the transaction the rehearsal runs in, under Prisma's lock and with the timeouts; False when
        Prisma's lock stayed taken."""
        raise NotImplementedError

    def sets_only_settings(self, tokens) -> bool:
        """Whether a statement (its sql.tokens) does nothing but change settings, one of them guarded: it can be left
        out of the rehearsal whole. The default reads `SET [SESSION|GLOBAL|LOCAL] name = value, ...`."""
        words = [token.up for token in tokens]
        return words[:1] == ["SET"] and "SELECT" not in words

    def resets_every_setting(self, tokens) -> bool:
        """Whether a statement resets every setting of the session, the rehearsal's bounds included."""
        del tokens
        return False

    def rehearsal_batches(self, script: str, statements, left_out=frozenset()) -> list[tuple[int | None, str]]:
        """What the rehearsal sends, as (statement index or None for several, SQL): statement by statement, where
        that is what running the script in one transaction amounts to; the statements numbered in `left_out` are not
        sent."""
        del script
        return [
            (statement.index, statement.text)
            for statement in statements
            if not statement.transaction_control and statement.index not in left_out
        ]

    def end_rehearsal(self, connection) -> None:
        """Undo connection settings the rehearsal made (after its rollback)."""
        del connection

    def rehearsal_stopper(self, connection, cursor) -> tuple:
        """(cancel, terminate): what the rehearsal's watchdog calls from another thread at its deadline. `cancel`
        stops the statement running on `cursor`; `terminate` (or None) ends the session when cancels were not
        enough."""
        del connection, cursor
        return None, None

    def bound_rehearsal(
        self, connection, cursor, *, seconds_left: float, lock_wait: int, statement_timeout: int
    ) -> None:
        """Bound the rehearsal's next statement with the database's own timeouts too: it runs at most
        min(statement_timeout, seconds_left) and waits for a lock at most min(lock_wait, seconds_left), plus
        REHEARSAL_ENGINE_MARGIN where the watchdog's cancel works (it then acts first)."""
        del connection, cursor, seconds_left, lock_wait, statement_timeout


def preflight_classes(folder: str) -> tuple:
    """(Catalog, Rehearsal, LockImpact, Inverses) of a database folder, imported now. Named one by one: Ansible ships
    with a module the module_utils it can see imported, and these travel only with the preflight and the repair."""
    if folder == "postgres":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases.postgres.preflight import CLASSES
    elif folder == "mysql":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mysql.preflight import CLASSES
    elif folder == "sqlite":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases.sqlite.preflight import CLASSES
    elif folder == "mssql":
        from ansible_collections.backoffice.dbops.plugins.module_utils.databases.mssql.preflight import CLASSES
    else:
        raise ValueError(folder)
    return CLASSES


@dataclass(frozen=True)
class PreflightParts:
    """What only the preflight and the repair use."""

    catalog: Catalog
    rehearsal: Rehearsal
    # sql.lock_impact.LockImpact: the database's lock rules.
    impact: object
    # databases.inverses.Inverses: what undoes each change (the repair's revert script).
    inverses: object


def assemble_preflight(chosen: Parts) -> PreflightParts:
    """The preflight's parts of a database, their classes imported now."""
    catalog, rehearsal, impact, inverses = preflight_classes(chosen.preflight)
    dialect = chosen.dialect
    return PreflightParts(
        catalog=catalog(dialect.target, dialect),
        rehearsal=rehearsal(dialect.target, dialect, chosen.lock, chosen.driver),
        impact=impact(dialect),
        inverses=inverses(dialect.target, dialect),
    )


class PreflightDatabase(Database):
    """A Database with the parts only the preflight and the repair use, built when first asked for (and again when
    connecting chose a variant's parts)."""

    def __init__(self, target: DatabaseTarget, options: ConnectOptions | None = None, secrets=()):
        super().__init__(target, options, secrets)
        # (the parts they were built for, PreflightParts).
        self._preflight: tuple[Parts, PreflightParts] | None = None

    @property
    def catalog(self) -> Catalog:
        return self._preflight_parts().catalog

    @property
    def rehearsal(self) -> Rehearsal:
        return self._preflight_parts().rehearsal

    @property
    def impact(self):
        return self._preflight_parts().impact

    @property
    def inverses(self):
        return self._preflight_parts().inverses

    def _preflight_parts(self) -> PreflightParts:
        if self._preflight is None or self._preflight[0] is not self.parts:
            self._preflight = (self.parts, assemble_preflight(self.parts))
        return self._preflight[1]
