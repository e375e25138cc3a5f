"""Every `logs` format Prisma writes, from verbatim fixtures (prisma_logs.json: the referee's driver-adapter logs for
PostgreSQL and SQLite as Prisma 7.10's engine wrote them, and Prisma's native P3018 text as its Rust engine formats
it for PostgreSQL and MariaDB 10.11 errors): the database's message, code, failing statement or line, and the names
it mentions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.failure_logs import (
    mentioned_names,
    parse_failure_log,
)
from ansible_collections.backoffice.dbops.tests.support.offline import offline_database

FIXTURES = json.loads((Path(__file__).parent / "prisma_logs.json").read_text())


def test_native_postgresql_keeps_detail_and_finds_the_position_line():
    codes = offline_database("postgresql").codes
    log = parse_failure_log(FIXTURES["postgresql_native_unique_index"]["logs"], codes)
    assert log.message == 'ERROR: could not create unique index "User_bio_key"\nDETAIL: Key (bio)=(same) is duplicated.'
    assert log.database_code == "23505"
    assert parse_failure_log(FIXTURES["postgresql_native_syntax_error"]["logs"], codes).error_line == 2


def test_no_logs_and_unknown_text():
    codes = offline_database("postgresql").codes
    assert parse_failure_log(None, codes).format == "none"
    assert parse_failure_log("  ", codes).format == "none"
    other = parse_failure_log("something else entirely", codes)
    assert other.format == "other" and other.message == "something else entirely"


def test_adapter_error_of_an_unknown_variant_drops_the_javascript_noise():
    log = parse_failure_log(FIXTURES["postgresql_adapter_type_using"]["logs"], offline_database("postgresql").codes)
    assert log.adapter_kind == "type_conversion"
    assert "expected one of" not in log.message and "\n" not in log.message


@pytest.mark.parametrize(
    ("message", "names"),
    [
        ('ERROR: column "bio" of relation "User" contains null values', ("bio", "User")),
        ("Duplicate entry 'same' for key 'User.User_bio_key'", ("same", "User.User_bio_key", "User", "User_bio_key")),
        ("SQLITE_CONSTRAINT: NOT NULL constraint failed: new_User.bio", ("new_User.bio", "new_User", "bio")),
        ("SQLITE_ERROR: index X_idx already exists", ("X_idx",)),
        ("Unique constraint failed on the fields: (`bio`)", ("bio",)),
        ("DETAIL: Key (a, b)=(1, 2) is duplicated.", ("a", "b")),
    ],
)
def test_names_a_message_mentions(message, names):
    assert mentioned_names(message) == names
