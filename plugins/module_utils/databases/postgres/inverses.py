# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL: what undoes a change (pure). Unqualified names resolve to the URL's schema when the script runs."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.inverses import Inverses, NotInvertible


class PostgresInverses(Inverses):
    droppable = (
        *Inverses.droppable,
        "materialized_view",
        "trigger",
        "extension",
        "schema",
        "domain",
        "type",
    )

    def rename_index(self, table, schema, name, to) -> list[str]:
        del table
        return [self._render("ALTER INDEX {} RENAME TO {}", self._qualified(schema, name), self._name(to))]

    def rename_constraint(self, table, name, to) -> list[str]:
        return [
            self._render(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {}", self._table(table), self._name(name), self._name(to)
            )
        ]

    def drop_not_null(self, table, column) -> list[str]:
        return [self._render("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL", self._table(table), self._name(column))]

    def drop_type(self, schema, name) -> list[str]:
        return [self._render("DROP TYPE {}", self._qualified(schema, name))]

    def rename_type(self, schema, name, to) -> list[str]:
        return [self._render("ALTER TYPE {} RENAME TO {}", self._qualified(schema, name), self._name(to))]

    def drop_object(self, kind, schema, name, table) -> list[str]:
        if kind == "trigger":
            if table is None:
                raise NotInvertible("the trigger's table is not named")
            return [self._render("DROP TRIGGER {} ON {}", self._name(name), self._table(table))]
        return super().drop_object(kind, schema, name, table)
