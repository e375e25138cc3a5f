"""States, P3009, pending/edited/missing and Prisma's checksum rules."""

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.history import (
    LocalMigration,
    MigrationRecord,
    compute_checksum,
    format_prisma_timestamp,
    iso_utc,
    p3009_message,
    script_matches_checksum,
    summarize,
)

T0 = datetime(2020, 11, 27, 13, 49, 38, tzinfo=UTC)


def row(id_, name, *, finished=None, rolled_back=None, started=T0, checksum="c" * 64):
    return MigrationRecord(id_, name, checksum, started, finished, rolled_back)


def test_prismas_own_checksum_test_vector():
    assert compute_checksum("hello") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert not script_matches_checksum("abc\n", compute_checksum("abc"))


def test_line_endings_either_way_match():
    assert script_matches_checksum("a\r\nb\r\n", compute_checksum("a\nb\n"))
    assert script_matches_checksum("a\nb\n", compute_checksum("a\r\nb\r\n"))
    # LF->CRLF is applied to the raw file, so mixed endings only match their own variants.
    assert not script_matches_checksum("a\r\nb\n", compute_checksum("a\r\nb\r\n"))
    assert script_matches_checksum("a\r\nb\n", compute_checksum("a\nb\n"))


def legacy(script):
    return "".join(format(b, "x") for b in hashlib.sha256(script.encode()).digest())


def test_legacy_checksums_without_zero_padding_match():
    script = next(s for s in (f"select {n};" for n in range(100)) if len(legacy(s)) != 64)
    assert script_matches_checksum(script, legacy(script))
    assert not script_matches_checksum(script, legacy(script).upper())
    assert not script_matches_checksum(script, "")


@given(st.text())
def test_any_script_matches_its_own_checksum(script):
    assert script_matches_checksum(script, compute_checksum(script))
    assert script_matches_checksum(script.replace("\n", "\r\n"), compute_checksum(script))


def test_states():
    assert row("a", "m", finished=T0).state == "applied"
    assert row("a", "m").state == "failed"
    assert row("a", "m", rolled_back=T0).state == "rolled_back"
    assert row("a", "m", finished=T0, rolled_back=T0).state == "rolled_back"


def test_prisma_timestamp_display_like_chrono():
    assert format_prisma_timestamp(T0) == "2020-11-27 13:49:38 UTC"
    assert format_prisma_timestamp(T0.replace(microsecond=123000)) == "2020-11-27 13:49:38.123 UTC"
    assert format_prisma_timestamp(T0.replace(microsecond=123456)) == "2020-11-27 13:49:38.123456 UTC"
    assert format_prisma_timestamp(T0.replace(microsecond=100)) == "2020-11-27 13:49:38.000100 UTC"


def test_iso_utc():
    assert iso_utc(T0) == "2020-11-27T13:49:38Z"
    assert iso_utc(T0.replace(microsecond=5000)) == "2020-11-27T13:49:38.005Z"
    assert iso_utc(None) is None


def test_p3009_message_lists_every_failed_row_in_order():
    failed = [row("a", "m1"), row("b", "m1", started=T0 + timedelta(seconds=1, milliseconds=5))]
    assert p3009_message(failed) == (
        "migrate found failed migrations in the target database, new migrations will not be applied. Read more "
        "about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n"
        "The `m1` migration started at 2020-11-27 13:49:38 UTC failed\n"
        "The `m1` migration started at 2020-11-27 13:49:39.005 UTC failed\n"
    )
    assert p3009_message([]) is None


def test_summary_without_table():
    summary = summarize(None)
    assert summary == {
        "has_migrations_table": False,
        "migrations": [],
        "migrations_count": 0,
        "migrations_truncated": False,
        "failed_migrations": [],
        "failed_migration_names": [],
        "blocked": False,
        "p3009_message": None,
    }


def test_pending_edited_missing():
    init, index, later = "20201127134937_init", "20201127134938_added_bio_index", "20201201000000_later"
    local = [LocalMigration(init, "create;"), LocalMigration(index, "index;"), LocalMigration(later, "later;")]
    records = [
        row("1", init, finished=T0, checksum=compute_checksum("create; -- edited since")),
        row("2", index, rolled_back=T0, started=T0 + timedelta(seconds=1), checksum=compute_checksum("index;")),
        row("3", "20200101000000_gone", finished=T0, started=T0 + timedelta(seconds=2)),
    ]
    summary = summarize(records, local)
    # Deploy re-applies a migration whose rows are all rolled back.
    assert summary["pending"] == [index, later]
    assert summary["edited"] == [init]
    assert summary["missing_locally"] == ["20200101000000_gone"]
    assert summary["blocked"] is False


def test_edited_uses_the_first_row_of_a_name_whatever_its_state():
    name = "20201127134938_added_bio_index"
    records = [
        row("1", name, rolled_back=T0, checksum=compute_checksum("old;")),
        row("2", name, finished=T0, started=T0 + timedelta(seconds=5), checksum=compute_checksum("new;")),
    ]
    assert summarize(records, [LocalMigration(name, "new;")])["edited"] == [name]


def test_history_limit_bounds_the_listing_not_the_answers():
    records = [row(f"id{n}", f"m{n}", finished=T0, started=T0 + timedelta(seconds=n)) for n in range(5)]
    records.insert(0, row("old", "m_old", started=T0 - timedelta(days=1)))
    summary = summarize(records, history_limit=2)
    assert [m["id"] for m in summary["migrations"]] == ["id3", "id4"]
    assert summary["migrations_count"] == 6 and summary["migrations_truncated"] is True
    assert [m["id"] for m in summary["failed_migrations"]] == ["old"]
    assert summary["blocked"] is True
    assert len(summarize(records, history_limit=0)["migrations"]) == 6


class CountedName(str):
    """A migration name that counts how often it is compared for equality."""

    comparisons = 0

    def __eq__(self, other):
        CountedName.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_every_answer_is_linear_in_the_length_of_the_history():
    size = 3000
    names = [CountedName(f"2020{n:010d}_m{n}") for n in range(size)]
    records = [row(f"id{n}", names[n], finished=T0, started=T0 + timedelta(seconds=n)) for n in range(size)]
    records.append(row("last", names[-1], started=T0 + timedelta(days=1)))
    local = [LocalMigration(str(name), "x;") for name in names[: size // 2]]
    CountedName.comparisons = 0
    summary = summarize(records, local, history_limit=10, migration=str(names[5]))
    # Quadratic list membership compared names millions of times; hashing compares each about once.
    assert CountedName.comparisons < 10 * size
    assert summary["missing_locally_count"] == size - size // 2
    assert summary["edited"] == [str(name) for name in names[: size // 2]]
    assert summary["migration_state"] == "applied"
    assert summary["still_blocking"] == [names[-1]]


def test_migration_summary_answers_for_one_migration_and_names_the_others():
    records = [
        row("1", "m_init", finished=T0),
        row("2", "m_a", started=T0 + timedelta(seconds=1)),
        row("3", "m_b", started=T0 + timedelta(seconds=2)),
        row("4", "m_c", rolled_back=T0, started=T0 + timedelta(seconds=3)),
    ]
    summary = summarize(records, migration="m_a")
    assert summary["migration_state"] == "failed"
    assert [r["id"] for r in summary["migration_rows"]] == ["2"]
    assert summary["still_blocking"] == ["m_b"]
    assert summarize(records, migration="m_c")["migration_state"] == "rolled_back"
    assert summarize(records, migration="m_init")["migration_state"] == "applied"
    assert summarize(records, migration="m_nope")["migration_state"] == "absent"


def test_a_file_that_is_not_utf8_is_not_comparable_and_never_edited():
    name = "20201127134938_added_bio_index"
    script = "-- caf\xe9\nCREATE INDEX x;\n".encode("latin-1")
    records = [row("1", name, finished=T0, checksum=compute_checksum(script.decode("utf-8", "replace")))]
    local = [LocalMigration(name, script, problem="not valid UTF-8 (first invalid byte at offset 6)")]
    summary = summarize(records, local)
    assert summary["edited"] == []
    assert summary["not_comparable"] == [
        {"migration_name": name, "reason": "not valid UTF-8 (first invalid byte at offset 6)"}
    ]
    assert local[0].checksum is None


def test_checksums_are_over_the_bytes_of_the_file():
    assert compute_checksum(b"hello") == compute_checksum("hello")
    assert script_matches_checksum(b"a\r\nb\r\n", compute_checksum(b"a\nb\n"))


def test_history_limit_bounds_the_names_missing_locally_not_their_count():
    records = [row(f"id{n}", f"m{n}", finished=T0, started=T0 + timedelta(seconds=n)) for n in range(6)]
    summary = summarize(records, [LocalMigration("m0", "x")], history_limit=2)
    assert summary["missing_locally"] == ["m4", "m5"] and summary["missing_locally_count"] == 5
    assert summarize(records, [], history_limit=0)["missing_locally_count"] == 6
