"""What the targets need beyond the collection's modules: a fresh PostgreSQL database, and a failed migration row
as Prisma's deploy leaves it (started, logs written, never finished).

    p3009_rows.py create-database ADMIN_URL NAME
    p3009_rows.py fail DATABASE_URL MIGRATION_NAME MIGRATION_SQL
"""

import hashlib
import sys
import uuid
from datetime import UTC, datetime, timedelta

LOGS = (
    'Database error code: 23505\n\nDatabase error:\nERROR: could not create unique index "User_bio_key"\n'
    "DETAIL: Key (bio)=(same) is duplicated.\n"
)


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.split("?")[0], autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def fail(url: str, name: str, script: str) -> None:
    with open(script, "rb") as handle:
        checksum = hashlib.sha256(handle.read()).hexdigest()
    # A second after the rows already there: Prisma orders the history by started_at.
    started = datetime.now(UTC) + timedelta(seconds=1)
    columns = "(id, checksum, migration_name, logs, started_at, applied_steps_count)"
    if url.startswith("file:"):
        import sqlite3

        # Prisma's SQLite rows hold epoch milliseconds.
        with sqlite3.connect(url[len("file:") :]) as connection:
            connection.execute(
                f"INSERT INTO _prisma_migrations {columns} VALUES (?, ?, ?, ?, ?, 0)",
                (str(uuid.uuid4()), checksum, name, LOGS, int(started.timestamp() * 1000)),
            )
        return
    import psycopg

    with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
        connection.execute(
            f"INSERT INTO _prisma_migrations {columns} VALUES (%s, %s, %s, %s, %s, 0)",
            (str(uuid.uuid4()), checksum, name, LOGS, started),
        )


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"create-database": create_database, "fail": fail}[command](*arguments)
