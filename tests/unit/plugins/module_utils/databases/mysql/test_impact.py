"""MySQL and MariaDB's lock rules (databases/mysql/impact.py): online DDL's algorithm and lock, and what blocks."""

from __future__ import annotations

import pytest

from ansible_collections.backoffice.dbops.tests.support.lock_plans import plan, shape

MYSQL = [
    (
        "ALTER TABLE `User` ADD COLUMN `nick` VARCHAR(191) NULL",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "CREATE UNIQUE INDEX `User_bio_key` ON `User`(`bio`)",
        ("CREATE INDEX", "NONE", [("User", "NONE", False, True, False)], False, "INPLACE"),
    ),
    (
        "CREATE FULLTEXT INDEX `ft` ON `Post`(`body`)",
        ("CREATE INDEX", "SHARED", [("Post", "SHARED", False, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` ADD INDEX `i` (`bio`)",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` ADD UNIQUE INDEX `User_bio_key`(`bio`)",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` MODIFY `email` VARCHAR(20) NOT NULL",
        ("ALTER TABLE", "SHARED", [("User", "SHARED", True, True, False)], False, "COPY"),
    ),
    (
        "ALTER TABLE `User` CHANGE `bio` `about` TEXT",
        ("ALTER TABLE", "SHARED", [("User", "SHARED", True, True, False)], False, "COPY"),
    ),
    (
        "ALTER TABLE `User` MODIFY `email` VARCHAR(200) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE",
        ("ALTER TABLE", "NONE", [("User", "NONE", True, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `Post` ADD CONSTRAINT `Post_authorId_fkey` FOREIGN KEY (`authorId`) REFERENCES `User`(`id`) "
        "ON DELETE RESTRICT ON UPDATE CASCADE",
        (
            "ALTER TABLE",
            "SHARED",
            [("Post", "SHARED", True, True, False), ("User", "SHARED", False, False, False)],
            False,
            "COPY",
        ),
    ),
    (
        "ALTER TABLE `User` ADD PRIMARY KEY (`id`)",
        ("ALTER TABLE", "NONE", [("User", "NONE", True, True, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` DROP COLUMN `bio`",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "ALTER TABLE `User` DROP INDEX `User_bio_key`",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `Post` DROP FOREIGN KEY `Post_authorId_fkey`",
        ("ALTER TABLE", "NONE", [("Post", "NONE", False, False, False)], False, "INPLACE"),
    ),
    (
        "ALTER TABLE `User` RENAME COLUMN `bio` TO `about`",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "ALTER TABLE `User` ALTER COLUMN `role` SET DEFAULT 'user'",
        ("ALTER TABLE", "NONE", [("User", "NONE", False, False, False)], False, "INSTANT"),
    ),
    (
        "ALTER TABLE `User` ENGINE=InnoDB",
        ("ALTER TABLE", "SHARED", [("User", "SHARED", True, True, False)], False, "COPY"),
    ),
    (
        "DROP INDEX `User_bio_key` ON `User`",
        ("DROP INDEX", "NONE", [("User", "NONE", False, False, False)], False, "INPLACE"),
    ),
    (
        "RENAME TABLE `a` TO `b`, `c` TO `d`",
        (
            "RENAME TABLE",
            "EXCLUSIVE",
            [("a", "EXCLUSIVE", False, False, False), ("c", "EXCLUSIVE", False, False, False)],
            False,
            None,
        ),
    ),
    (
        "CREATE TABLE `Tag` (`id` INT NOT NULL, `userId` INT, FOREIGN KEY (`userId`) REFERENCES `User`(`id`))",
        (
            "CREATE TABLE",
            "SHARED",
            [("Tag", "EXCLUSIVE", False, False, True), ("User", "SHARED", False, False, False)],
            False,
            None,
        ),
    ),
    ("DROP TABLE `Old`", ("DROP TABLE", "EXCLUSIVE", [("Old", "EXCLUSIVE", False, False, False)], False, None)),
    ("TRUNCATE TABLE `Log`", ("TRUNCATE", "EXCLUSIVE", [("Log", "EXCLUSIVE", False, False, False)], True, None)),
    ("UPDATE `User` SET `x` = 1", ("UPDATE", "NONE", [("User", "NONE", False, True, False)], True, None)),
    ("REPLACE INTO `Role` VALUES (1)", ("INSERT", "NONE", [("Role", "NONE", False, False, False)], True, None)),
    ("SET SESSION innodb_lock_wait_timeout = 100", ("SET", None, [], False, None)),
    ("CALL p()", ("CALL", "unknown", [(None, "unknown", False, False, False)], None, None)),
]


@pytest.mark.parametrize(("sql", "expected"), MYSQL, ids=[case[0][:60] for case in MYSQL])
def test_mysql_online_ddl(sql, expected):
    (entry,) = plan("mysql", sql)
    assert (*shape(entry), entry["algorithm"]) == expected


def test_mysql_blocks_follow_the_lock_clause():
    (copy,) = plan("mysql", "ALTER TABLE `User` MODIFY `email` VARCHAR(20) NOT NULL")
    assert (copy["blocks_reads"], copy["blocks_writes"]) == (False, True)
    (exclusive,) = plan("mysql", "ALTER TABLE `User` ADD COLUMN `x` INT, LOCK=EXCLUSIVE")
    assert (exclusive["blocks_reads"], exclusive["blocks_writes"]) == (True, True)
    (instant,) = plan("mysql", "ALTER TABLE `User` ADD COLUMN `x` INT")
    assert (instant["blocks_reads"], instant["blocks_writes"]) == (False, False)
    assert any("metadata lock" in note for note in instant["notes"])
    (update,) = plan("mysql", "UPDATE `User` SET `x` = 1")
    assert (update["blocks_reads"], update["blocks_writes"]) == (False, True)
