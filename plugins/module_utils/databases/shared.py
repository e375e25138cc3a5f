# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every database shares: Prisma's `_prisma_migrations` columns and lock name, what a catalog read returns,
the words of database messages, and helpers the parts of each database use."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

TABLE = "_prisma_migrations"
COLUMNS = (
    "id",
    "checksum",
    "finished_at",
    "migration_name",
    "logs",
    "rolled_back_at",
    "started_at",
    "applied_steps_count",
)
STARTED_AT = COLUMNS.index("started_at")
# Prisma's migrate lock: the advisory key 72707369 on PostgreSQL, the name `prisma_migrate` elsewhere.
LOCK_NAME = "prisma_migrate"


class _Unreadable:
    def __repr__(self) -> str:
        return "UNREADABLE"


# What a flavour answers for a kind of object it does not read from its catalog.
UNREADABLE = _Unreadable()


@dataclass(frozen=True)
class ColumnInfo:
    # The type as the catalog shows it (format_type, COLUMN_TYPE, the declared type, sys.types).
    type: str | None
    nullable: bool
    # The default expression as the catalog shows it; None: no default (DEFAULT NULL included).
    default: str | None = None
    # IDENTITY / AUTO_INCREMENT / generated columns: values the database makes.
    generated: bool = False


@dataclass(frozen=True)
class ObjectInfo:
    """An index or a constraint as the catalog shows it. kind: index, unique, primary_key, foreign_key, check,
    default, other. columns None: on expressions."""

    kind: str
    columns: tuple[str, ...] | None = None
    unique: bool = False
    # PostgreSQL's indisvalid and indisready, SQL Server's is_disabled: an index that does not work is not valid.
    valid: bool = True
    # PostgreSQL's convalidated, SQL Server's is_not_trusted: a NOT VALID constraint.
    validated: bool = True
    partial: bool = False
    ref_table: tuple | None = None
    ref_columns: tuple[str, ...] = ()
    # A foreign key's (ON DELETE, ON UPDATE) as sql.names.referential_action words; None: not read.
    actions: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableInfo:
    """A table as the live catalog knows it; every name folded as the database compares names."""

    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    # Indexes and the constraints an index backs (unique, primary key), by name.
    indexes: dict[str, ObjectInfo] = field(default_factory=dict)
    # Foreign keys, checks, named defaults, by name.
    constraints: dict[str, ObjectInfo] = field(default_factory=dict)
    # The primary key's columns in key order.
    primary_key: tuple[str, ...] = ()
    # Names of its triggers; None: not read.
    triggers: frozenset[str] | None = None
    # Names an index and a constraint of another kind share (PostgreSQL allows it): which one a statement means
    # cannot be told.
    ambiguous: frozenset[str] = frozenset()


# How far past the rehearsal's deadline the database's own timeouts are set where the watchdog's cancel works.
REHEARSAL_ENGINE_MARGIN = 0.5

# Transaction control Prisma's own migrations contain (PostgreSQL enum changes: BEGIN; ...; COMMIT;): inside the
# rehearsal's transaction they are no-ops; anything else (ROLLBACK, SAVEPOINT) blocks a rehearsal.
NOOP_TRANSACTION_CONTROL = ("BEGIN", "START", "COMMIT", "END")

# English phrases of the databases' messages -> cause kind, first match wins; for messages without a code (Prisma's
# driver adapters record none) and codes a flavour does not list.
MESSAGE_KINDS = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"duplicate key name|duplicate column|already exists|there is already an object", "duplicate_object"),
        (r"duplicate key|duplicate entry|unique constraint|unique index|UNIQUE constraint failed", "unique_violation"),
        (
            r"null values|not-null constraint|NOT NULL constraint|NOT NULL column|value NULL|use of NULL",
            "not_null_violation",
        ),
        (r"foreign key", "foreign_key_violation"),
        (r"check constraint|CONSTRAINT `[^`]+` failed", "check_violation"),
        (
            r"cannot be cast|invalid input syntax|conversion failed|datatype mismatch|truncated|out of range"
            r"|incorrect \w+ value|error converting",
            "type_conversion",
        ),
        (
            r"does not exist|doesn't exist|no such|not found|unknown column|invalid (object|column) name",
            "missing_object",
        ),
        (r"permission denied|command denied|access denied|must be owner|not authori[sz]ed", "permission_denied"),
        (
            r"lock timeout|lock wait timeout|could not obtain lock|deadlock|database is locked|lock request time",
            "lock_timeout",
        ),
        (
            r"statement timeout|canceling statement|max_statement_time|maximum statement execution time"
            r"|query timeout expired|operation cancell?ed|cancell?ed by user|interrupted",
            "statement_timeout",
        ),
        (
            r"syntax error|error in your SQL syntax|incorrect syntax|unterminated (?:dollar-)?quoted|unterminated /\*",
            "syntax_error",
        ),
    )
)


def classify_message(message: str) -> str:
    for pattern, kind in MESSAGE_KINDS:
        if pattern.search(message or ""):
            return kind
    return "unknown"


def create_table_statement(table: str, columns: tuple[tuple[str, str], ...], *, quote=str, suffix: str = "") -> str:
    """Prisma's CREATE TABLE of `_prisma_migrations`, laid out as its schema engine writes it."""
    body = ",\n".join(f"    {quote(name):<24}{definition}" for name, definition in columns)
    return f"CREATE TABLE {table} (\n{body}\n){suffix}"


def rows_as_dicts(cursor) -> list[dict]:
    """The fetched rows keyed by column name (lowercase)."""
    names = [column[0].lower() for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def truncate(value: datetime, digits: int) -> datetime:
    step = 10 ** (6 - digits)
    return value.replace(microsecond=value.microsecond - value.microsecond % step)


def read_timestamp(value) -> datetime | None:
    """A stored timestamp as aware UTC, whatever the storage: driver datetimes (naive means UTC),
    SQLite integer epoch milliseconds, or text (`current_timestamp` or RFC 3339)."""
    if value is None:
        return None
    if value.__class__ is int:
        # Checked first: SQLite's epoch milliseconds are the common case of a long history.
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    text = text.replace(" UTC", "+00:00")
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unreadable timestamp {text!r} in _prisma_migrations") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# The words a session's statement is named by (statement_kind): keywords only, never a name or a value it carries.
# fmt: off
STATEMENT_VERBS = frozenset((
    "ALTER", "ANALYZE", "BEGIN", "CALL", "CHECKPOINT", "CLUSTER", "COMMIT", "COPY", "CREATE", "DECLARE", "DELETE",
    "DO", "DROP", "EXEC", "EXECUTE", "EXPLAIN", "FETCH", "GRANT", "INSERT", "KILL", "LOCK", "MERGE", "OPTIMIZE",
    "REFRESH", "REINDEX", "RELEASE", "RENAME", "REPLACE", "RESET", "REVOKE", "ROLLBACK", "SAVEPOINT", "SELECT", "SET",
    "SHOW", "START", "TRUNCATE", "UPDATE", "USE", "VACUUM", "WAITFOR", "WITH",
))
# What CREATE/ALTER/DROP act on, after the modifiers that may come between (OR REPLACE, UNIQUE, TEMPORARY, ...).
STATEMENT_OBJECTS = frozenset((
    "DATABASE", "EXTENSION", "FUNCTION", "INDEX", "PROCEDURE", "ROLE", "SCHEMA", "SEQUENCE", "TABLE", "TRIGGER",
    "TYPE", "USER", "VIEW",
))
STATEMENT_MODIFIERS = frozenset((
    "OR", "REPLACE", "UNIQUE", "TEMPORARY", "TEMP", "UNLOGGED", "MATERIALIZED", "CLUSTERED", "NONCLUSTERED", "IF",
    "NOT", "EXISTS", "ONLINE", "CONCURRENTLY",
))
# fmt: on
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_]+")


def statement_kind(text: str | None) -> str | None:
    """What kind of statement `text` is, as keywords only (`SELECT`, `CREATE INDEX`, `ALTER TABLE`): never a name, a
    literal or a parameter of it. None for no text; `other` for a statement that does not start with a known verb."""
    if not text or not text.strip():
        return None
    words = [word.upper() for word in _WORD.findall(_COMMENTS.sub(" ", text)[:400])]
    if not words:
        return "other"
    verb = words[0]
    if verb not in STATEMENT_VERBS:
        return "other"
    if verb in ("CREATE", "ALTER", "DROP"):
        for word in words[1:6]:
            if word in STATEMENT_OBJECTS:
                return f"{verb} {word}"
            if word not in STATEMENT_MODIFIERS:
                break
    return verb
