"""The preflight's prefix oracle: for every migration of tests/support/corpus, every engine that runs it and every
point k at which it can have stopped, a real database in that state and the verdict it must get.

The truth is built here, independently of the code under test: this module's own statement splitter
(`split`), its own rule for which statements leave a lasting effect (`Statement.effect`), and databases where the
statements 1..k were really run (by this module, by Prisma's engine through the referee, or as Prisma's native
engines run them). The collection's parser, catalog reads and model are never used to decide what is true; the
collection is used only to write `_prisma_migrations` rows (its databases' table DDL, parity-tested elsewhere) and,
of course, as the preflight under test. See tests/support/corpus/README.md for the corpus and the rules.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from ansible_collections.backoffice.dbops.tests.support.prisma_like import P3018_HEAD
from ansible_collections.backoffice.dbops.tests.support.prisma_like import SPAN_TRACE as TRACE

CORPUS = Path(__file__).resolve().parent / "corpus"
ENGINES = ("postgresql", "mysql", "sqlite", "sqlserver")
MIGRATION_PREFIX = "20240102000000_"
VERDICTS = ("none", "partial", "complete")

# ---------------------------------------------------------------------------------------------------------------
# The corpus.


@dataclass(frozen=True)
class Failure:
    """The statement (1-based, in `split`'s numbering) that fails on the case's data, and a regex of its error."""

    statement: int
    message: str


@dataclass(frozen=True)
class Case:
    engine: str
    name: str
    family: str
    origin: str
    description: str
    setup: str
    migration: str
    # Where a run of the whole migration fails on the setup's data: through Prisma's engine (and the native-like
    # runs), through the driver adapter when it differs (adapter-pg splits on every `;`), through Prisma's native
    # PostgreSQL engine when it differs (one implicit transaction).
    failure: Failure | None = None
    adapter_failure: Failure | None = None
    native_failure: Failure | None = None
    # SQL that removes the rows in the way, for the states where the failing statement has run.
    fix: str = ""

    @property
    def migration_name(self) -> str:
        return MIGRATION_PREFIX + self.name

    @property
    def statements(self) -> list[Statement]:
        return split(self.migration, self.engine)

    @property
    def effects(self) -> list[int]:
        return [statement.index for statement in self.statements if statement.effect]


def _failure(raw) -> Failure | None:
    return Failure(int(raw["statement"]), str(raw["message"])) if raw else None


def load_corpus(engine: str | None = None) -> list[Case]:
    cases = []
    for folder in sorted(CORPUS.glob("*/*/")):
        if not (folder / "case.yml").is_file() or (engine and folder.parent.name != engine):
            continue
        meta = yaml.safe_load((folder / "case.yml").read_text())
        cases.append(
            Case(
                engine=folder.parent.name,
                name=folder.name,
                family=meta["family"],
                origin=meta["origin"],
                description=" ".join(meta["description"].split()),
                setup=(folder / "setup.sql").read_text(),
                migration=(folder / "migration.sql").read_text(),
                failure=_failure(meta.get("failure")),
                adapter_failure=_failure(meta.get("adapter_failure")),
                native_failure=_failure(meta.get("native_failure")),
                fix=meta.get("fix", ""),
            )
        )
    return cases


# ---------------------------------------------------------------------------------------------------------------
# The statements, as the databases run them: a splitter of its own (quotes, identifiers, comments, PostgreSQL
# dollar quotes, SQLite trigger bodies) and a rule for what leaves a lasting effect.


@dataclass(frozen=True)
class Statement:
    index: int
    line: int
    text: str
    # Leaves something in the database once committed (schema or rows); session settings, PRAGMAs, transaction
    # control and Prisma's SQL Server TRY/CATCH wrapper do not.
    effect: bool
    # "begin" / "commit" / "rollback" for transaction control, else None.
    control: str | None = None

    @property
    def words(self) -> str:
        return " ".join(self.text.split()).upper()


IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
CLOSERS = {"'": "'", '"': '"', "`": "`", "[": "]"}
SQLSERVER_WRAPPER = re.compile(r"^(BEGIN TRY|BEGIN TRAN|COMMIT TRAN|END TRY|END$|END CATCH|THROW|IF @@TRANCOUNT)")
NO_EFFECT = re.compile(r"^(SET|RESET|PRAGMA)\b")
BEGIN = re.compile(r"^(BEGIN|START TRANSACTION)( TRANSACTION| WORK| DEFERRED| IMMEDIATE| EXCLUSIVE)?$")
COMMIT = re.compile(r"^(COMMIT|END)( TRANSACTION| WORK)?$")
ROLLBACK = re.compile(r"^ROLLBACK( TRANSACTION| WORK)?$")
TRIGGER = re.compile(r"^CREATE\s+(TEMP\w*\s+)?TRIGGER\b", re.IGNORECASE)


def split(sql: str, engine: str) -> list[Statement]:
    rules = ENGINES[engine]
    quotes = {"'", '"'} | rules.quotes
    pieces = []
    start, depth, i, n = None, 0, 0, len(sql)
    while i < n:
        char = sql[i]
        if sql.startswith("--", i):
            i = _after(sql, "\n", i)
            continue
        if sql.startswith("/*", i):
            i = _after(sql, "*/", i + 2)
            continue
        if char.isspace():
            i += 1
            continue
        if start is None:
            start = i
        if char in quotes:
            i = _end_of_quoted(sql, i, CLOSERS[char], backslash=rules.backslash_escapes and char == "'")
        elif char == "$" and rules.dollar_quotes and (tag := DOLLAR_TAG.match(sql, i)):
            i = _after(sql, tag.group(0), tag.end())
        elif IDENTIFIER.match(sql, i) and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] in "_$")):
            word = IDENTIFIER.match(sql, i).group(0).upper()
            # A SQLite trigger's body (BEGIN ... END) holds its own `;`: they do not end the statement.
            if rules.trigger_bodies and TRIGGER.match(sql[start:i]):
                depth += word in ("BEGIN", "CASE")
                depth -= word == "END" and depth > 0
            i += len(word)
        elif char == ";" and depth == 0:
            pieces.append((start, i))
            start = None
            i += 1
        else:
            i += 1
    if start is not None:
        pieces.append((start, n))
    statements = []
    for begin, end in pieces:
        text = sql[begin:end].rstrip()
        statements.append(_classify(len(statements) + 1, sql.count("\n", 0, begin) + 1, text, engine))
    return statements


def _after(sql: str, token: str, i: int) -> int:
    found = sql.find(token, i)
    return len(sql) if found == -1 else found + len(token)


def _end_of_quoted(sql: str, i: int, closer: str, *, backslash: bool) -> int:
    j = i + 1
    while j < len(sql):
        if backslash and sql[j] == "\\":
            j += 2
            continue
        if sql[j] == closer:
            if sql.startswith(closer * 2, j):
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)


def _classify(index: int, line: int, text: str, engine: str) -> Statement:
    words = " ".join(text.split()).upper()
    if ENGINES[engine].prisma_wrapper and SQLSERVER_WRAPPER.match(words):
        return Statement(index, line, text, effect=False)
    for pattern, control in ((BEGIN, "begin"), (COMMIT, "commit"), (ROLLBACK, "rollback")):
        if pattern.match(words):
            return Statement(index, line, text, effect=False, control=control)
    return Statement(index, line, text, effect=not NO_EFFECT.match(words))


def committed(statements: list[Statement], upto: int, *, implicit_transaction: bool = False) -> frozenset[int]:
    """The effect statements among 1..upto whose effect is in the database once the session that ran them ends
    (uncommitted work rolled back). `implicit_transaction`: the whole run is one transaction unless a COMMIT
    inside it says otherwise (Prisma's native PostgreSQL engine sends the script as one simple query)."""
    done, pending, open_transaction = set(), [], implicit_transaction
    for statement in statements[:upto]:
        if statement.control == "begin":
            open_transaction = True
        elif statement.control == "commit":
            done.update(pending)
            pending, open_transaction = [], implicit_transaction
        elif statement.control == "rollback":
            pending, open_transaction = [], implicit_transaction
        elif statement.effect:
            (pending.append if open_transaction else done.add)(statement.index)
    return frozenset(done)


# ---------------------------------------------------------------------------------------------------------------
# What Prisma writes into `logs` (verbatim formats; see plugins/module_utils/prisma/preflight/failure_logs.py and
# the unit tests' prisma_logs.json for recorded ones).


def pg_adapter_logs(name: str, message: str) -> str:
    """adapter-pg's text for a database error it has no kind for (Prisma 7's driver adapters)."""
    return f"external connector error\nError querying the database: ERROR: {message}" + TRACE.format(name=name)


def pg_native_logs(name: str, code: str, message: str, detail: str | None = None) -> str:
    """Prisma's native PostgreSQL engine: P3018 with the SQLSTATE and the Rust debug form of the error."""
    shown = f"ERROR: {message}" + (f"\nDETAIL: {detail}" if detail else "")
    debug = (
        f'DbError {{ severity: "ERROR", parsed_severity: Some(Error), code: SqlState(E{code}), '
        f"message: {json.dumps(message)}, detail: {json.dumps(detail) if detail else 'None'}, hint: None, "
        "position: None, where_: None, schema: None, table: None, column: None, datatype: None, constraint: None, "
        "file: None, line: None, routine: None }"
    )
    return (
        f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {code}\n\nDatabase error:\n{shown}\n\n{debug}\n"
        + TRACE.format(name=name)
    )


def mysql_native_logs(name: str, errno: int, message: str, query_number: int) -> str:
    return (
        f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {errno}\n\nDatabase error:\n{message}\n\n"
        f"Please check the query number {query_number} from the migration file.\n" + TRACE.format(name=name)
    )


def sqlite_adapter_logs(name: str, message: str) -> str:
    return message + TRACE.format(name=name)


def sqlserver_native_logs(name: str, code: int, message: str) -> str:
    return (
        f"{P3018_HEAD}Migration name: {name}\n\nDatabase error code: {code}\n\nDatabase error:\n{message}\n"
        + TRACE.format(name=name)
    )


def lock_logs(engine: str, name: str, failing: int) -> str:
    """The logs Prisma writes when statement `failing` times out on a lock: its driver adapter's text on PostgreSQL
    and SQLite, its native engine's P3018 on MySQL and SQL Server."""
    rules = ENGINES[engine]
    code, message = rules.lock_error
    return rules.lock_logs(name, code, message, failing)


@dataclass(frozen=True)
class EngineRules:
    """What the oracle knows of an engine, stated once: its SQL text (for its own splitter), the lock error any
    statement can meet and the logs Prisma writes for it, and how Prisma runs a migration there."""

    # Quote characters beyond ' and ".
    quotes: frozenset
    # A lock timeout: (code, message) as the engine words it, and Prisma's logs for it (name, code, message, failing).
    lock_error: tuple
    lock_logs: Callable
    backslash_escapes: bool = False
    dollar_quotes: bool = False
    # A trigger's body (BEGIN ... END) holds its own `;`.
    trigger_bodies: bool = False
    # Prisma wraps the migration in TRY / TRAN and sends it as one batch: a failed batch leaves nothing, partial
    # states are made by hand only, and the wrapper's statements are no effect.
    prisma_wrapper: bool = False
    # The kind of world a partial run makes: Prisma's driver adapter (`adapter`) or its native engine's logs.
    partial_world: str = "adapter"
    # How Prisma runs the migration in the `prisma` world: its engine through the referee, or as its native engine.
    prisma_run: str = "_referee"
    # Prisma's native engine sends the script as one simple query (one implicit transaction); failed CREATE INDEX
    # CONCURRENTLY leaves an INVALID index.
    native_single_query: bool = False


ENGINES = {
    "postgresql": EngineRules(
        quotes=frozenset(),
        lock_error=("55P03", "canceling statement due to lock timeout"),
        lock_logs=lambda name, _code, message, _failing: pg_adapter_logs(name, message),
        dollar_quotes=True,
        native_single_query=True,
    ),
    "mysql": EngineRules(
        quotes=frozenset("`"),
        lock_error=(1205, "Lock wait timeout exceeded; try restarting transaction"),
        lock_logs=mysql_native_logs,
        backslash_escapes=True,
        partial_world="native-logs",
        prisma_run="_mysql_native",
    ),
    "sqlite": EngineRules(
        quotes=frozenset(),
        lock_error=(None, "SQLITE_BUSY: database is locked"),
        lock_logs=lambda name, _code, message, _failing: sqlite_adapter_logs(name, message),
        trigger_bodies=True,
    ),
    "sqlserver": EngineRules(
        quotes=frozenset("["),
        lock_error=(1222, "Lock request time out period exceeded."),
        lock_logs=lambda name, code, message, _failing: sqlserver_native_logs(name, code, message),
        prisma_wrapper=True,
        prisma_run="_sqlserver_native",
    ),
}


# ---------------------------------------------------------------------------------------------------------------
# Worlds: one database state, the failed row Prisma would have written, and the truth.


@dataclass(frozen=True)
class World:
    # How the state was made: by Prisma's engine (`prisma`), as Prisma's native engine runs it (`native`), by this
    # module with logs in a format Prisma writes (`adapter`, `native-logs`, `no-logs`), all of it (`complete`),
    # or by hand (`by-hand`: a prefix; `created-by-hand`: a later statement's object; `invalid-index`).
    kind: str
    # The statement recorded as failing (1-based, `split`'s numbering), or None when the logs name none.
    failing: int | None
    # The truth: the effect statements whose effect is in the database.
    applied: frozenset[int]

    @property
    def k(self) -> int:
        return len(self.applied)


@dataclass
class Outcome:
    engine: str
    case: str
    family: str
    world: World
    expected: str
    got: str
    status: str  # exact, unknown, wrong
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        where = f"{self.case} [{self.engine}] {self.world.kind} k={self.world.k}"
        failing = f" failing={self.world.failing}" if self.world.failing else ""
        return f"{where}{failing}: expected {self.expected}, got {self.got}: {'; '.join(self.problems)}"


def expected_verdict(case: Case, applied: frozenset[int]) -> str:
    if not applied:
        return "none"
    return "complete" if applied == frozenset(case.effects) else "partial"


def normalised(text: str) -> str:
    return " ".join(text.split())


def align(statements: list[Statement], reported: list[dict]) -> dict[int, dict]:
    """Our statements -> the preflight's, by their text (the preflight shortens long ones with "...")."""
    aligned = {}
    for statement in statements:
        ours = normalised(statement.text)
        for theirs in reported:
            text = normalised(theirs.get("statement") or "")
            if text == ours or (text.endswith("...") and ours.startswith(text[:-3])):
                aligned[statement.index] = theirs
                break
    return aligned


def judge(case: Case, world: World, result: dict | None, error: str | None = None) -> Outcome:
    """The preflight's answer against the truth: the verdict is the truth or `unknown`; each statement's
    effect_present the truth or null; never `retry` once something took effect, never `mark_applied` while
    something did not."""
    expected = expected_verdict(case, world.applied)
    if result is None:
        return Outcome(case.engine, case.name, case.family, world, expected, "crash", "wrong", [error or "no result"])
    got = result.get("verdict")
    problems = []
    if got != "unknown" and got != expected:
        problems.append(f"verdict {got}")
    statements = case.statements
    aligned = align(statements, result.get("statements") or [])
    for statement in statements:
        present = aligned.get(statement.index, {}).get("effect_present")
        truth = statement.index in world.applied
        if statement.effect and present is not None and present != truth:
            problems.append(f"statement {statement.index} effect_present={present} (truth {truth})")
    advice = result.get("advice")
    if advice == "retry" and world.applied:
        problems.append(f"advice retry would run statements {sorted(world.applied)} again")
    missing = sorted(set(case.effects) - world.applied)
    if advice == "mark_applied" and missing:
        problems.append(f"advice mark_applied would skip statements {missing}")
    status = "wrong" if problems else ("exact" if got == expected else "unknown")
    return Outcome(case.engine, case.name, case.family, world, expected, str(got), status, problems)


def tally(outcomes: list[Outcome]) -> str:
    """The table: per engine and family, the cases (worlds judged), exact, unknown and wrong answers."""
    rows = defaultdict(Counter)
    migrations = defaultdict(set)
    for outcome in outcomes:
        for key in ((outcome.engine, outcome.family), (outcome.engine, "(all)"), ("(all)", "(all)")):
            rows[key]["cases"] += 1
            rows[key][outcome.status] += 1
            migrations[key].add((outcome.engine, outcome.case))
    lines = [f"{'engine':<11} {'family':<14} {'migrations':>10} {'cases':>6} {'exact':>6} {'unknown':>8} {'wrong':>6}"]
    for key in sorted(rows, key=lambda key: (key[0] == "(all)", key[0], key[1] == "(all)", key[1])):
        counts = rows[key]
        lines.append(
            f"{key[0]:<11} {key[1]:<14} {len(migrations[key]):>10} {counts['cases']:>6} {counts['exact']:>6} "
            f"{counts['unknown']:>8} {counts['wrong']:>6}"
        )
    return "\n".join(lines)


def report(outcomes: list[Outcome], title: str) -> str:
    wrong = [outcome for outcome in outcomes if outcome.status == "wrong"]
    text = f"{title}\n{tally(outcomes)}"
    if wrong:
        text += f"\n\n{len(wrong)} wrong:\n" + "\n".join(f"  {outcome.line()}" for outcome in wrong)
    return text


# ---------------------------------------------------------------------------------------------------------------
# Helpers the labs share.


def checksum(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()


def record_failed_row(backend, name: str, script: str, logs: str | None) -> None:
    """The row Prisma's deploy leaves for a failed migration: started, never finished, its logs (None: the process
    ended before it could write them)."""
    history = backend.database.history
    if not backend.execute(*history.table_exists_query()):
        backend.execute(history.create_table)
    p, stamp = history.dialect.placeholder, history.timestamp_parameter
    backend.execute(
        f"INSERT INTO {history.table} (id, checksum, started_at, migration_name, logs, applied_steps_count) "
        f"VALUES ({p}, {p}, {stamp}, {p}, {p}, 0)",
        (str(uuid.uuid4()), checksum(script), history.bind_timestamp(datetime.now(UTC)), name, logs),
    )


def copy_sqlite(template: Path, target: Path) -> None:
    shutil.copyfile(template, target)


def run_sqlite(path: Path, statements: list[str]) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------------------------
# Labs: fresh databases with a case's setup, and sessions that run statements for real, one lab per engine.


class Lab:
    """One engine's server: a fresh database per world (from a per-case template where the engine has them)."""

    engine: str

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.made: list = []

    def fresh(self, case: Case, *, fixed: bool):
        raise NotImplementedError

    def dispose(self, backend) -> None:
        raise NotImplementedError

    def script(self, case: Case, backend) -> str:
        """The migration.sql this world's database runs (SQL Server: Prisma writes the URL's schema in it)."""
        return case.migration

    def session(self, backend, texts: list[str]) -> None:
        """Run the statements in order on one session, then end it (what it left uncommitted is rolled back)."""
        connection = backend.connect()
        try:
            cursor = connection.cursor()
            for text in texts:
                cursor.execute(text)
        finally:
            connection.close()

    def close(self) -> None:
        pass


def _setup_statements(case: Case, setup: str) -> list[str]:
    return [statement.text for statement in split(setup, case.engine)]


class PostgresLab(Lab):
    """One database for the lab; each world empties its `public` schema and runs the setup again (cheaper than a
    database per world, whose CREATE DATABASE checkpoints)."""

    engine = "postgresql"

    def __init__(self, folder: Path, server_url: str):
        super().__init__(folder)
        from ansible_collections.backoffice.dbops.tests.support.backends import with_database
        from ansible_collections.backoffice.dbops.tests.support.backends.postgres import PostgresBackend

        self.admin = PostgresBackend(with_database(server_url, "postgres"), str(folder))
        self.database = f"oracle_{uuid.uuid4().hex[:8]}"
        self.admin.execute(f'CREATE DATABASE "{self.database}"')
        self.url = with_database(server_url, self.database, "schema=public")
        self._backend = PostgresBackend

    def fresh(self, case: Case, *, fixed: bool):
        backend = self._backend(self.url, str(self.folder), keep_connection=True)
        setup = _setup_statements(case, case.setup + (case.fix if fixed else ""))
        self.session(backend, ["DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public", *setup])
        return backend

    def dispose(self, backend) -> None:
        backend.close()

    def close(self) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def _plain_mariadb_backend():
    """A Backend whose own sessions skip TLS (PyMySQL loads the CA store for every connection, 60-100 ms): the lab
    opens many; the preflight under test still connects as it does."""
    from ansible_collections.backoffice.dbops.tests.support.backends.mysql import MysqlBackend

    class PlainMariaDb(MysqlBackend):
        def connect(self):
            import pymysql

            target = self.target
            return pymysql.connect(
                host=target.host, port=target.port, user=target.user, password=target.password or "",
                database=target.database, autocommit=True, ssl_disabled=True,
            )  # fmt: skip

    return PlainMariaDb


class MariaDbLab(Lab):
    engine = "mysql"

    def __init__(self, folder: Path, server_url: str):
        super().__init__(folder)
        from ansible_collections.backoffice.dbops.tests.support.backends import with_database

        self._backend, self._with_database = _plain_mariadb_backend(), with_database
        self.server = server_url
        self.admin = self._backend(with_database(server_url, "mysql"), str(folder), keep_connection=True)
        self.prefix = f"oracle_{uuid.uuid4().hex[:8]}"

    def fresh(self, case: Case, *, fixed: bool):
        name = f"{self.prefix}_w{len(self.made)}"
        self.admin.execute(f"CREATE DATABASE `{name}`")
        self.made.append(name)
        url = self._with_database(self.server, name)
        backend = self._backend(url, str(self.folder), keep_connection=True)
        self.session(backend, _setup_statements(case, case.setup + (case.fix if fixed else "")))
        return backend

    def dispose(self, backend) -> None:
        backend.close()
        self.admin.execute(f"DROP DATABASE IF EXISTS `{backend.target.database}`")

    def close(self) -> None:
        self.admin.close()


class SqliteLab(Lab):
    engine = "sqlite"

    def __init__(self, folder: Path):
        super().__init__(folder)
        from ansible_collections.backoffice.dbops.tests.support.backends.sqlite import SqliteBackend

        self._backend = SqliteBackend
        self.templates: dict[tuple[str, bool], Path] = {}

    def fresh(self, case: Case, *, fixed: bool):
        key = (case.name, fixed)
        if key not in self.templates:
            path = self.folder / f"template-{len(self.templates)}.db"
            run_sqlite(path, _setup_statements(case, case.setup + (case.fix if fixed else "")))
            self.templates[key] = path
        project = self.folder / f"w{len(self.made)}"
        project.mkdir()
        copy_sqlite(self.templates[key], project / "dev.db")
        self.made.append(project)
        return self._backend("file:./dev.db", str(project))

    def dispose(self, backend) -> None:
        shutil.rmtree(backend.project_dir, ignore_errors=True)


class SqlServerLab(Lab):
    """A schema per world; the corpus writes `[dbo]` where Prisma writes the URL's schema."""

    engine = "sqlserver"

    def __init__(self, folder: Path, server_url: str, odbc_driver: str):
        super().__init__(folder)
        from ansible_collections.backoffice.dbops.tests.support.backends.mssql import MssqlBackend

        self._backend = MssqlBackend
        self.server, self.odbc_driver = server_url, odbc_driver
        self.prefix = f"oracle_{uuid.uuid4().hex[:6]}"

    @staticmethod
    def for_schema(sql: str, schema: str) -> str:
        return sql.replace("[dbo].", f"[{schema}].").replace("N'dbo.", f"N'{schema}.")

    def fresh(self, case: Case, *, fixed: bool):
        schema = f"{self.prefix}_w{len(self.made)}"
        backend = self._backend(
            f"{self.server};schema={schema}", str(self.folder), self.odbc_driver, keep_connection=True
        )
        backend.execute(f"CREATE SCHEMA [{schema}]")
        self.made.append(schema)
        setup = self.for_schema(case.setup + (case.fix if fixed else ""), schema)
        self.session(backend, _setup_statements(case, setup))
        return backend

    def script(self, case: Case, backend) -> str:
        return self.for_schema(case.migration, backend.target.schema)

    def dispose(self, backend) -> None:
        schema = backend.target.schema
        for table, name in backend.execute(
            "SELECT OBJECT_NAME(parent_object_id), name FROM sys.foreign_keys WHERE SCHEMA_NAME(schema_id) = ?",
            (schema,),
        ):
            backend.execute(f"ALTER TABLE [{schema}].[{table}] DROP CONSTRAINT [{name}]")
        for (table,) in backend.execute(
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?", (schema,)
        ):
            backend.execute(f"DROP TABLE [{schema}].[{table}]")
        backend.execute(f"DROP SCHEMA [{schema}]")
        backend.close()


# ---------------------------------------------------------------------------------------------------------------
# The worlds of one case, each built, judged by the preflight, and thrown away.


class WorldSkipped(Exception):
    """The world cannot exist on this engine (e.g. the hand-made statement fails on its own)."""


@dataclass
class CaseRun:
    case: Case
    lab: Lab
    folder: Path
    preflight: object  # (backend, migrations, name) -> the preflight's result dict
    # Only the worlds of these kinds (None: all).
    kinds: frozenset[str] | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def statements(self) -> list[Statement]:
        return self.case.statements

    @property
    def rules(self) -> EngineRules:
        return ENGINES[self.case.engine]

    def needs_fix(self, last_run: int) -> bool:
        """Whether the statements up to `last_run` include the one that fails on the setup's data."""
        return self.case.failure is not None and self.case.failure.statement <= last_run

    def migrations(self, backend) -> Path:
        folder = self.folder / f"migrations-{uuid.uuid4().hex[:8]}"
        return backend.write_migrations(folder, {self.case.migration_name: self.lab.script(self.case, backend)})

    def texts(self, backend, upto: int, *, only=None) -> list[str]:
        """The statements 1..upto of this world's script (or only those in `only`), as the session sends them;
        SQL Server's wrapper is left out (its statements are sent one by one, as a person runs them)."""
        statements = split(self.lab.script(self.case, backend), self.case.engine)[:upto]
        return [
            statement.text
            for statement in statements
            if (only is None or statement.index in only) and (not self.rules.prisma_wrapper or statement.effect)
        ]

    def judge_world(self, world: World, backend, migrations: Path) -> None:
        try:
            result = self.preflight(backend, migrations, self.case.migration_name)
            outcome = judge(self.case, world, result)
        except Exception as error:  # the preflight refused or crashed: both are reported, a crash as wrong
            outcome = judge(self.case, world, None, f"{type(error).__name__}: {error}")
            if type(error).__name__ in ("DbopsError", "DatabaseError"):
                outcome.status, outcome.got, outcome.problems = "unknown", "refused", [str(error)]
        self.outcomes.append(outcome)

    def world(self, kind, *, failing, applied, run_upto=0, only=None, logs=None, extra=None, record=True, touches=0):
        """Build one world: a fresh database, statements 1..run_upto (or `only`) run on one session, `extra`
        (a callable) for what the engine itself does or what a person did (running statement `touches`), the
        failed row with `logs`; then judge it."""
        if self.kinds is not None and kind not in self.kinds:
            return
        fixed = self.needs_fix(max([run_upto, touches, *(only or [])]))
        backend = self.lab.fresh(self.case, fixed=fixed)
        try:
            migrations = self.migrations(backend)
            if run_upto or only:
                self.lab.session(backend, self.texts(backend, run_upto or len(self.statements), only=only))
            if extra is not None:
                extra(backend, migrations)
            if record:
                script = self.lab.script(self.case, backend)
                record_failed_row(backend, self.case.migration_name, script, logs)
            self.judge_world(World(kind, failing, frozenset(applied)), backend, migrations)
        except WorldSkipped:
            pass
        finally:
            self.lab.dispose(backend)

    def run(self) -> list[Outcome]:
        case, statements, engine, rules = self.case, self.statements, self.case.engine, self.rules
        name = case.migration_name
        effects = case.effects
        for failing in effects:
            prefix = committed(statements, failing - 1)
            logs = lock_logs(engine, name, failing)
            if rules.prisma_wrapper:
                # Prisma's TRY/TRAN wrapper: a failed batch leaves nothing; partial states only by hand.
                self.world("native-logs", failing=failing, applied=(), logs=logs)
                self.world("by-hand", failing=None, applied=prefix, only=prefix or None, logs=None)
            else:
                self.world(rules.partial_world, failing=failing, applied=prefix, run_upto=failing - 1, logs=logs)
                self.world("no-logs", failing=None, applied=prefix, run_upto=failing - 1, logs=None)
            if rules.native_single_query:
                native = committed(statements, failing - 1, implicit_transaction=True)
                code, message = rules.lock_error
                self.world(
                    "native-logs", failing=failing, applied=native, only=native or None,
                    logs=pg_native_logs(name, code, message),
                )  # fmt: skip
        last = effects[-1]
        if rules.prisma_wrapper:
            self.world("complete", failing=None, applied=effects, only=effects, logs=None)
        else:
            logs = lock_logs(engine, name, last)
            self.world("complete", failing=last, applied=effects, run_upto=len(statements), logs=logs)
        self._by_hand_later()
        self._prisma()
        if rules.native_single_query:
            self._native()
            self._invalid_index()
        return self.outcomes

    def _by_hand_later(self) -> None:
        """An object created by hand that a later statement creates: statement 1 failed, the last CREATE's
        effect is there all the same."""
        effects = self.case.effects
        creates = [index for index in effects[1:] if self.statements[index - 1].words.startswith("CREATE")]
        if not creates:
            return
        first, later = effects[0], creates[-1]

        def by_hand(backend, _migrations):
            try:
                self.lab.session(backend, self.texts(backend, later, only={later}))
            except Exception:
                raise WorldSkipped from None

        logs = lock_logs(self.case.engine, self.case.migration_name, first)
        self.world("created-by-hand", failing=first, applied={later}, extra=by_hand, logs=logs, touches=later)

    def _prisma(self) -> None:
        """The migration run as Prisma runs it, failing on the setup's data: its own engine (the referee) on
        PostgreSQL (adapter-pg: one statement at a time, each committed) and SQLite; its native engines' way on
        MySQL (one statement at a time, the query number in the logs) and SQL Server (one batch in a transaction)."""
        case = self.case
        failure = case.adapter_failure or case.failure
        if failure is None:
            return
        run = getattr(self, self.rules.prisma_run)
        # A batch in Prisma's wrapper leaves nothing; elsewhere what committed before the failing statement stays.
        applied = () if self.rules.prisma_wrapper else committed(self.statements, failure.statement - 1)

        def extra(backend, migrations):
            run(backend, migrations, failure)

        self.world("prisma", failing=failure.statement, applied=applied, extra=extra, record=False)

    def _referee(self, backend, migrations, failure: Failure) -> None:
        from ansible_collections.backoffice.dbops.tests.support.backends import DeployFailed

        # The history table exists (an empty one: Prisma's deploy refuses a non-empty schema without it, P3005).
        backend.execute(backend.database.history.create_table)
        try:
            backend.deploy(migrations)
        except DeployFailed as error:
            assert re.search(failure.message, error.message, re.IGNORECASE), (self.case.name, error.message)
            return
        raise AssertionError(f"{self.case.name}: Prisma's engine applied the migration; the data should fail it")

    def _mysql_native(self, backend, migrations, failure: Failure) -> None:
        """Prisma's native MySQL engine: each statement on its own (DDL commits), P3018 logs with the query number
        of the first that fails."""
        script = self.lab.script(self.case, backend)
        connection = backend.connect()
        try:
            cursor = connection.cursor()
            for statement in split(script, self.case.engine):
                try:
                    cursor.execute(statement.text)
                except Exception as error:
                    errno, message = error.args[0], error.args[1]
                    assert statement.index == failure.statement, (self.case.name, statement.index, message)
                    assert re.search(failure.message, message, re.IGNORECASE), (self.case.name, message)
                    logs = mysql_native_logs(self.case.migration_name, errno, message, statement.index)
                    record_failed_row(backend, self.case.migration_name, script, logs)
                    return
        finally:
            connection.close()
        raise AssertionError(f"{self.case.name}: the migration ran; the data should fail it")

    def _sqlserver_native(self, backend, migrations, failure: Failure) -> None:
        from ansible_collections.backoffice.dbops.tests.support.backends import DeployFailed

        try:
            backend.deploy(migrations)
        except DeployFailed as error:
            assert error.code == "P3018" and re.search(failure.message, error.message, re.IGNORECASE), error
            return
        raise AssertionError(f"{self.case.name}: the migration ran; the data should fail it")

    def _native(self) -> None:
        """Prisma's native PostgreSQL engine: the whole script as one simple query (one implicit transaction),
        its P3018 logs from the real error."""
        case = self.case
        failure = case.native_failure or case.failure
        if failure is None:
            return

        def extra(backend, _migrations):
            import psycopg

            connection = backend.connect()
            try:
                connection.execute(self.lab.script(case, backend))
            except psycopg.Error as error:
                diag = error.diag
                assert re.search(failure.message, diag.message_primary or "", re.IGNORECASE), (case.name, error)
                logs = pg_native_logs(case.migration_name, diag.sqlstate, diag.message_primary, diag.message_detail)
                record_failed_row(backend, case.migration_name, case.migration, logs)
                return
            finally:
                connection.close()
            raise AssertionError(f"{case.name}: the migration ran; the data should fail it")

        applied = committed(self.statements, failure.statement - 1, implicit_transaction=True)
        self.world("native", failing=failure.statement, applied=applied, extra=extra, record=False)

    def _invalid_index(self) -> None:
        """A unique index whose CONCURRENTLY build failed on the data: an INVALID index under the statement's name
        (the statement took no effect; uniqueness is not enforced)."""
        failure = self.case.failure
        if failure is None:
            return
        statement = self.statements[failure.statement - 1]
        if not statement.words.startswith("CREATE UNIQUE INDEX ") or "CONCURRENTLY" in statement.words:
            return
        concurrent = re.sub(r"(?i)^CREATE\s+UNIQUE\s+INDEX", "CREATE UNIQUE INDEX CONCURRENTLY", statement.text)
        index = re.search(r'INDEX CONCURRENTLY "([^"]+)"', concurrent).group(1)

        def extra(backend, _migrations):
            try:
                self.lab.session(backend, [concurrent])
            except Exception as error:
                assert re.search(failure.message, str(error), re.IGNORECASE), (self.case.name, error)
            else:
                raise AssertionError(f"{self.case.name}: the unique index was built; the data should fail it")
            logs = f"external connector error\nUnique constraint failed: {index}" + TRACE.format(
                name=self.case.migration_name
            )
            record_failed_row(backend, self.case.migration_name, self.case.migration, logs)

        applied = committed(self.statements, failure.statement - 1)
        self.world(
            "invalid-index", failing=failure.statement, applied=applied, run_upto=failure.statement - 1,
            extra=extra, record=False,
        )  # fmt: skip


# Each engine's lab, on its session's server (the integration suite's fixtures, through `request`).
LABS = {
    "postgresql": lambda folder, request: PostgresLab(folder, request.getfixturevalue("postgres_server")),
    "mysql": lambda folder, request: MariaDbLab(folder, request.getfixturevalue("mysql_server")),
    "sqlite": lambda folder, request: SqliteLab(folder),
    "sqlserver": lambda folder, request: SqlServerLab(
        folder, request.getfixturevalue("mssql_server").url_for(False), "FreeTDS"
    ),
}
