# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MySQL and MariaDB: what undoes a change (pure). Indexes belong to their table; constraints are dropped by kind."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.inverses import Inverses, NotInvertible


class MysqlInverses(Inverses):
    droppable = ("view", "function", "procedure", "trigger", "sequence")

    def drop_index(self, table, schema, name) -> list[str]:
        del schema
        if table is None:
            raise NotInvertible("the index's table is not named")
        return [self._render("DROP INDEX {} ON {}", self._name(name), self._table(table))]

    def drop_constraint(self, table, name, constraint) -> list[str]:
        if constraint == "primary_key":
            return [self._render("ALTER TABLE {} DROP PRIMARY KEY", self._table(table))]
        if constraint == "foreign_key":
            return [self._render("ALTER TABLE {} DROP FOREIGN KEY {}", self._table(table), self._name(name))]
        if constraint == "unique":
            return [self._render("ALTER TABLE {} DROP INDEX {}", self._table(table), self._name(name))]
        if constraint == "check":
            return [self._render("ALTER TABLE {} DROP CONSTRAINT {}", self._table(table), self._name(name))]
        raise NotInvertible(f"dropping a {constraint or 'such'} constraint is not supported on this database")

    def rename_index(self, table, schema, name, to) -> list[str]:
        del schema
        if table is None:
            raise NotInvertible("the index's table is not named")
        return [
            self._render("ALTER TABLE {} RENAME INDEX {} TO {}", self._table(table), self._name(name), self._name(to))
        ]
