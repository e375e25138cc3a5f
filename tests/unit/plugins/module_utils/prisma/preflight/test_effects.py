"""The verdict (preflight/effects.py over replay.py's facts): hypotheses of how far a failed migration got, judged
against hand-written catalogs. Each case states the catalog a database would show and the verdict that follows
from it, or `unknown` where the catalog cannot tell."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.database import (
    open_database,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.preflight_parts import PreflightDatabase
from ansible_collections.backoffice.dbops.plugins.module_utils.databases.shared import (
    ColumnInfo,
    ObjectInfo,
    TableInfo,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.catalog import LiveCatalog
from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.preflight.effects import (
    changes_of,
    failure_candidates,
    index_owners_in,
    judge,
    model_for,
)
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import split_statements
from ansible_collections.backoffice.dbops.tests.support.judging import user, verdict_of
from ansible_collections.backoffice.dbops.tests.support.offline import syntax

URLS = {"postgresql": "postgresql://u@h/db", "mysql": "mysql://u@h/db", "sqlite": "file:/tmp/x.db"}


def column(type_name, nullable=True, default=None):
    return ColumnInfo(type_name, nullable, default)


USER = {"id": column("integer", False), "email": column("text"), "bio": column("text")}


def table(columns=None, indexes=None, constraints=None, triggers=frozenset()):
    return TableInfo(
        columns if columns is not None else dict(USER), indexes or {}, constraints or {}, ("id",), triggers
    )


def verdict(sql, tables, provider="postgresql", failing=None, kind="unique_violation", types=None, things=None):
    """The judgement of `sql` over the catalog {table: TableInfo} (absent tables: None), as the preflight would make
    it with the failed statement `failing` (None: located from `kind` only)."""
    flavour = open_database(URLS[provider], "/tmp", kind=PreflightDatabase)
    statements = split_statements(sql, flavour.dialect.syntax)
    model = model_for(flavour)
    changes, universe = changes_of(statements, model, index_owners_in(statements, model))
    tables_by_key = {key[1:]: None for key in model.originals if key[0] == "table"}
    tables_by_key.update({(model.schema, flavour.dialect.fold(name)): info for name, info in tables.items()})
    live = LiveCatalog(flavour.catalog, tables_by_key, types or {}, things or {})
    held = kind in ("unique_violation", "not_null_violation", "foreign_key_violation", "check_violation")
    candidates = failure_candidates(statements, kind)
    return judge(statements, changes, universe, live, failing, candidates, held)


def present(judgement):
    return [judgement.present[index] for index in sorted(judgement.present)]


DATA_THEN_INDEX = 'UPDATE "User" SET "bio" = upper("bio");\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'


def test_a_data_statement_before_the_failed_one_is_unknown_never_none():
    judgement = verdict(DATA_THEN_INDEX, {"User": table()}, failing=2)
    assert (judgement.verdict, present(judgement)) == ("unknown", [None, False])
    assert judgement.unjudged == [1] and "changes data" in judgement.reasons[1]
    # Without the statement on record: the index is the only statement a duplicate can stop, the UPDATE could too.
    assert verdict(DATA_THEN_INDEX, {"User": table()}).verdict == "unknown"


def test_a_data_statement_that_failed_first_ran_nowhere():
    judgement = verdict(
        'UPDATE "User" SET "bio" = NULL;\nALTER TABLE "User" ADD COLUMN "nick" TEXT;', {"User": table()}, failing=1
    )
    assert (judgement.verdict, present(judgement)) == ("none", [False, False])


def test_a_data_statement_between_proven_statements_is_judged_through_them():
    sql = (
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nUPDATE "User" SET "nick" = "email";\n'
        'CREATE UNIQUE INDEX "User_nick_key" ON "User"("nick");\nALTER TABLE "User" ADD COLUMN "age" INTEGER;'
    )
    nick = {**USER, "nick": column("text")}
    absent = verdict(sql, {"User": table()}, failing=3)
    assert (absent.verdict, present(absent)) == ("none", [False, False, False, False])
    stayed = verdict(sql, {"User": table(nick)}, failing=3)
    assert (stayed.verdict, present(stayed)) == ("unknown", [True, None, False, False])
    index = {"User_nick_key": ObjectInfo("index", ("nick",), True)}
    # The index, created by hand once the data was fixed, proves the UPDATE before it ran; the last column is there as
    # its statement makes it, which the catalog tells from before.
    completed = verdict(sql, {"User": table({**nick, "age": column("integer")}, index)}, failing=3)
    assert (completed.verdict, present(completed)) == ("complete", [True, True, True, True])


@pytest.mark.parametrize(
    ("indexes", "expected"),
    [
        ({}, "none"),
        ({"User_bio_key": ObjectInfo("index", ("bio",), True)}, "complete"),
        # What a failed CREATE UNIQUE INDEX CONCURRENTLY leaves: it took no effect, and a retry would fail on it.
        ({"User_bio_key": ObjectInfo("index", ("bio",), True, valid=False)}, "none"),
        # Another index under that name: not what the statement makes.
        ({"User_bio_key": ObjectInfo("index", ("email",), True)}, "unknown"),
        ({"User_bio_key": ObjectInfo("index", ("bio",), False)}, "unknown"),
    ],
)
def test_an_index_is_judged_by_its_definition_and_validity(indexes, expected):
    sql = 'CREATE UNIQUE INDEX CONCURRENTLY "User_bio_key" ON "User"("bio");'
    judgement = verdict(sql, {"User": table(indexes=indexes)}, failing=1)
    assert judgement.verdict == expected
    if expected == "unknown":
        assert "index User_bio_key" in judgement.reasons[1]
    if not indexes.get("User_bio_key", ObjectInfo("index")).valid:
        assert judgement.conflicts == (
            "statement 1 needs index User_bio_key on public.User to be absent, and it does (an INVALID index)",
        )


def test_an_index_under_the_name_a_later_statement_creates_that_the_catalog_cannot_compare_is_not_taken_as_absent():
    """The order says statement 3 never ran, but an index stands under its name (on an expression: a person made it,
    or SQLite read a double-quoted missing column as a string): the catalog cannot tell it from what statement 3
    makes, so it is not judged, never "not run"."""
    sql = (
        'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
        'CREATE INDEX "User_bio_idx" ON "User"("bio");'
    )
    nick = {**USER, "nick": column("text")}
    plain = verdict(sql, {"User": table(nick)}, failing=2)
    assert (plain.verdict, present(plain)) == ("partial", [True, False, False])
    expression = {"User_bio_idx": ObjectInfo("index", None, partial=True)}
    judgement = verdict(sql, {"User": table(nick, expression)}, failing=2)
    assert (judgement.verdict, present(judgement)) == ("unknown", [True, False, None])
    assert "index User_bio_idx" in judgement.reasons[3]


def test_mysql_modify_that_failed_is_not_taken_as_applied_because_the_column_already_was_not_null():
    sql = "ALTER TABLE `User` MODIFY `email` VARCHAR(20) NOT NULL;"
    columns = {**USER, "email": column("varchar(191)", False)}
    judgement = verdict(sql, {"User": table(columns)}, provider="mysql", failing=1, kind="type_conversion")
    assert (judgement.verdict, present(judgement)) == ("none", [False])
    # Changed since: by that statement run again by hand, or was it so before? The catalog cannot tell.
    applied = {**USER, "email": column("varchar(20)", False)}
    assert verdict(sql, {"User": table(applied)}, provider="mysql", failing=1, kind="type_conversion").verdict == (
        "unknown"
    )


def test_a_foreign_key_added_again_with_other_actions_is_told_from_the_one_it_replaces():
    """Prisma changes onDelete by dropping the foreign key and adding it again under the same name: ON DELETE / ON
    UPDATE in the catalog tell the old one (nothing ran) from the new (RESTRICT and NO ACTION alike). The new one's
    actions are no proof that anything ran: the old one may have had them."""
    sql = (
        'ALTER TABLE "Post" DROP CONSTRAINT "Post_u_fkey";\n'
        'ALTER TABLE "Post" ADD CONSTRAINT "Post_u_fkey" FOREIGN KEY ("u") REFERENCES "User"("id") '
        "ON DELETE CASCADE ON UPDATE CASCADE;"
    )

    def judged(actions):
        key = ObjectInfo("foreign_key", ("u",), ref_table=("public", "User"), ref_columns=("id",), actions=actions)
        post = TableInfo({"id": column("integer", False), "u": column("integer")}, {}, {"Post_u_fkey": key})
        judgement = verdict(sql, {"User": table(), "Post": post}, kind="foreign_key_violation")
        return judgement.verdict, present(judgement)

    assert judged(("no action", "no action")) == ("none", [False, False])
    assert judged(("cascade", "cascade")) == ("unknown", [None, None])
    # Actions the catalog did not read tell nothing.
    assert judged(None) == ("unknown", [None, None])


def test_a_change_to_what_the_column_already_is_is_not_judged():
    sql = 'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    not_null = table({**USER, "email": column("text", False)})
    judgement = verdict(sql, {"User": not_null}, failing=2)
    assert (judgement.verdict, present(judgement)) == ("unknown", [None, False])
    assert "looks the same" in judgement.reasons[1]
    assert verdict(sql, {"User": table()}, failing=2).verdict == "none"


def test_a_plain_type_change():
    sql = 'ALTER TABLE "User" ALTER COLUMN "email" SET DATA TYPE VARCHAR(20);'
    assert verdict(sql, {"User": table()}, failing=1, kind="type_conversion").verdict == "none"
    changed = table({**USER, "email": column("character varying(20)")})
    assert verdict(sql, {"User": changed}, failing=1, kind="type_conversion").verdict == "unknown"
    other = table({**USER, "email": column("character varying(30)")})
    assert verdict(sql, {"User": other}, failing=1, kind="type_conversion").verdict == "none"


def test_created_table_columns_are_a_closed_set():
    sql = (
        'CREATE TABLE "Post" ("id" SERIAL NOT NULL, "title" TEXT NOT NULL, '
        'CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));\n'
        'CREATE UNIQUE INDEX "Post_title_key" ON "Post"("title");'
    )
    post = table(
        {"id": column("integer", False, "nextval('\"Post_id_seq\"'::regclass)"), "title": column("text", False)},
        {"Post_pkey": ObjectInfo("primary_key", ("id",), True)},
    )
    assert present(verdict(sql, {"User": table(), "Post": post}, failing=2)) == [True, False]
    extra = TableInfo({**post.columns, "body": column("text")}, post.indexes, {}, ("id",))
    assert verdict(sql, {"User": table(), "Post": extra}, failing=2).verdict == "unknown"


def test_a_person_completing_the_migration_by_hand_makes_it_complete():
    sql = 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    done = table({**USER, "nick": column("text")}, {"User_bio_key": ObjectInfo("index", ("bio",), True)})
    assert verdict(sql, {"User": done}, failing=2).verdict == "complete"


def test_a_retry_that_would_fail_on_what_exists_is_named():
    sql = 'CREATE TABLE "Tag" ("id" INTEGER NOT NULL);\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    judgement = verdict(
        sql, {"User": table(indexes={"Other": ObjectInfo("index", ("email",))}), "Tag": None}, failing=2
    )
    assert judgement.verdict == "none" and judgement.conflicts == ()
    # The table as statement 1 makes it: it ran.
    tag = TableInfo({"id": column("integer", False)})
    assert verdict(sql, {"User": table(), "Tag": tag}, failing=2).verdict == "partial"
    hand = verdict(sql, {"User": table(), "Tag": TableInfo({"x": column("text")})}, failing=1, kind="duplicate_object")
    assert hand.verdict == "none"
    assert hand.conflicts == ("statement 1 needs table public.Tag to be absent, and it does",)


def test_enum_changes():
    sql = (
        "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'MOD');\n"
        'ALTER TYPE "Role" RENAME TO "Role_old";\nALTER TYPE "Role_new" RENAME TO "Role";\nDROP TYPE "Role_old";\n'
        'CREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    )
    schema = model_for(open_database(URLS["postgresql"], "/tmp", kind=PreflightDatabase)).schema

    def keyed(types):
        return {(schema, name): labels for name, labels in types.items()}

    before = {"Role": ("USER", "ADMIN"), "Role_new": None, "Role_old": None}
    none = verdict(sql, {"User": table()}, failing=5, types=keyed(before))
    assert (none.verdict, present(none)) == ("none", [False] * 5)
    # All of it: the labels before are not in the catalog any more, so "none" cannot be told from it.
    done = verdict(sql, {"User": table()}, failing=5, types=keyed({**before, "Role": ("USER", "MOD")}))
    assert (done.verdict, present(done)) == ("unknown", [None] * 4 + [False])
    renamed = {"Role": None, "Role_new": ("USER", "MOD"), "Role_old": ("USER", "ADMIN")}
    assert present(verdict(sql, {"User": table()}, failing=5, types=keyed(renamed))) == [True, True] + [False] * 3


def test_an_enum_value_added():
    sql = 'ALTER TYPE "Role" ADD VALUE \'MOD\';\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    schema = model_for(open_database(URLS["postgresql"], "/tmp", kind=PreflightDatabase)).schema
    without = verdict(sql, {"User": table()}, failing=2, types={(schema, "Role"): ("USER",)})
    assert (without.verdict, present(without)) == ("none", [False, False])
    added = verdict(sql, {"User": table()}, failing=2, types={(schema, "Role"): ("USER", "MOD")})
    assert (added.verdict, present(added)) == ("partial", [True, False])


def test_functions_views_and_triggers():
    sql = (
        "CREATE OR REPLACE FUNCTION stamp() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql;\n"
        'CREATE TRIGGER "User_stamp" BEFORE UPDATE ON "User" FOR EACH ROW EXECUTE FUNCTION stamp();\n'
        'CREATE VIEW "Active" AS SELECT 1 AS x;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    )
    schema = model_for(open_database(URLS["postgresql"], "/tmp", kind=PreflightDatabase)).schema
    nothing = {("function", schema, "stamp"): False, ("view", schema, "Active"): False}
    assert verdict(sql, {"User": table()}, failing=4, things=nothing).verdict == "none"
    made = {("function", schema, "stamp"): True, ("view", schema, "Active"): True}
    judgement = verdict(sql, {"User": table(triggers=frozenset({"User_stamp"}))}, failing=4, things=made)
    assert (judgement.verdict, present(judgement)) == ("partial", [True, True, True, False])
    # OR REPLACE of a function that may have existed, and nothing after it shows: not judged.
    only_function = {("function", schema, "stamp"): True, ("view", schema, "Active"): False}
    assert present(verdict(sql, {"User": table()}, failing=4, things=only_function)) == [None, False, False, False]


def test_a_do_block_forgets_what_it_may_have_changed():
    sql = 'DO $$ BEGIN EXECUTE \'DROP TABLE "Tag"\'; END $$;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    judgement = verdict(sql, {"User": table()}, failing=2)
    assert (judgement.verdict, judgement.unjudged) == ("unknown", [1])


def test_sqlite_table_rebuild():
    sql = (
        "PRAGMA foreign_keys=OFF;\n"
        'CREATE TABLE "new_User" ("id" INTEGER NOT NULL PRIMARY KEY, "email" TEXT NOT NULL);\n'
        'INSERT INTO "new_User" ("id", "email") SELECT "id", "email" FROM "User";\nDROP TABLE "User";\n'
        'ALTER TABLE "new_User" RENAME TO "User";\nCREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
        "PRAGMA foreign_keys=ON;"
    )
    rebuilt = TableInfo({"id": column("INTEGER", False), "email": column("TEXT", False)}, {}, {}, ("id",))
    copied = verdict(sql, {"User": table(), "new_User": rebuilt}, provider="sqlite", failing=4, kind="unknown")
    assert present(copied)[:4] == [True, True, None, False] and copied.verdict == "unknown"
    assert copied.unjudged == [3]
    # Rebuilt and renamed, the index failing on duplicates: the old table may have looked the same.
    renamed = verdict(sql, {"User": rebuilt, "new_User": None}, provider="sqlite", failing=6)
    assert renamed.verdict == "unknown"
    assert verdict(sql, {"User": table(), "new_User": None}, provider="sqlite", failing=6).verdict == "none"


def test_the_failed_statement_is_located_only_among_those_that_can_fail_that_way():
    sql = 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    statements = split_statements(sql, syntax("postgresql"))
    assert failure_candidates(statements, "unique_violation") == [2]
    assert failure_candidates(statements, "duplicate_object") == [1, 2]
    assert failure_candidates(statements, None) is None
    # A type change rewrites the rows: any data error can come from it.
    change = split_statements('ALTER TABLE "User" ALTER COLUMN "bio" TYPE VARCHAR(3);', syntax("postgresql"))
    assert failure_candidates(change, "unique_violation") == [1]


MIGRATION = 'ALTER TABLE "User" ADD COLUMN "nick" TEXT;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");\n'
BIO_KEY = {"User_bio_key": ObjectInfo("index", ("bio",), True)}
WITH_NICK = {"id": False, "bio": True, "nick": True}


@pytest.mark.parametrize(
    ("tables", "verdict", "present"),
    [
        ({"User": user()}, "none", [False, False]),
        ({"User": user(WITH_NICK)}, "partial", [True, False]),
        ({"User": user(WITH_NICK, BIO_KEY)}, "complete", [True, True]),
        # The index but not the column: no state of the migration looks like this.
        ({"User": user(indexes=BIO_KEY)}, "unknown", [None, None]),
    ],
)
def test_verdict_from_the_catalog(tables, verdict, present):
    statements, judgement = verdict_of("postgresql", MIGRATION, tables, failing=2)
    assert judgement.verdict == verdict
    assert [judgement.present[s.index] for s in statements] == present


def test_a_table_rebuilt_under_its_own_name():
    sql = (
        'PRAGMA foreign_keys=OFF;\nCREATE TABLE "new_User" ("id" INTEGER NOT NULL, "bio" TEXT NOT NULL);\n'
        'INSERT INTO "new_User" ("id", "bio") SELECT "id", "bio" FROM "User";\nDROP TABLE "User";\n'
        'ALTER TABLE "new_User" RENAME TO "User";\nPRAGMA foreign_keys=ON;\n'
    )
    rebuilt = TableInfo({"id": ColumnInfo("INTEGER", False), "bio": ColumnInfo("TEXT", False)})
    _statements, half_way = verdict_of("sqlite", sql, {"User": user(), "new_User": rebuilt}, failing=3)
    assert half_way.verdict == "partial" and half_way.applied == [2]
    _statements, compensated = verdict_of("sqlite", sql, {"User": user()}, failing=3)
    assert compensated.verdict == "none"


def test_dml_only_cannot_be_judged_unless_it_is_the_failed_statement():
    sql = 'UPDATE "User" SET "bio" = NULL;\nCREATE UNIQUE INDEX "User_bio_key" ON "User"("bio");'
    _statements, judgement = verdict_of("postgresql", sql, {"User": user()}, failing=2)
    assert judgement.verdict == "unknown" and judgement.unjudged == [1]
    assert "changes data" in judgement.reasons[1]
    _statements, first = verdict_of("postgresql", sql, {"User": user()}, failing=1)
    assert first.verdict == "none"
