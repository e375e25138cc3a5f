# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQL Server: what undoes a change (pure). Renames go through sp_rename; indexes belong to their table."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.inverses import Inverses, NotInvertible
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import load_sqlglot


class MssqlInverses(Inverses):
    droppable = ("view", "function", "procedure", "trigger", "sequence")

    def _literal(self, text: str) -> str:
        return load_sqlglot().exp.Literal.string(text).sql(dialect=self._generator)

    def drop_column(self, table, column, spec=None) -> list[str]:
        # SQL Server keeps a column's default as a constraint of its own, which must go first; unnamed, the server
        # named it, and migration.sql does not say how.
        first = []
        if spec is not None and spec.default is not None:
            if not spec.default_constraint:
                raise NotInvertible("the column's default constraint has no name in migration.sql")
            first = self.drop_constraint(table, spec.default_constraint, "default")
        return [*first, *super().drop_column(table, column, spec)]

    def drop_index(self, table, schema, name) -> list[str]:
        del schema
        if table is None:
            raise NotInvertible("the index's table is not named")
        return [self._render("DROP INDEX {} ON {}", self._name(name), self._table(table))]

    def rename_table(self, table, to) -> list[str]:
        return [self._render("EXEC sp_rename {}, {}", self._literal(self._table(table)), self._literal(to))]

    def rename_column(self, table, name, to) -> list[str]:
        path = self._qualified(table.schema, table.name, name)
        return [self._render("EXEC sp_rename {}, {}, 'COLUMN'", self._literal(path), self._literal(to))]

    def rename_index(self, table, schema, name, to) -> list[str]:
        del schema
        if table is None:
            raise NotInvertible("the index's table is not named")
        path = self._qualified(table.schema, table.name, name)
        return [self._render("EXEC sp_rename {}, {}, 'INDEX'", self._literal(path), self._literal(to))]

    def rename_constraint(self, table, name, to) -> list[str]:
        path = self._qualified(table.schema, name)
        return [self._render("EXEC sp_rename {}, {}, 'OBJECT'", self._literal(path), self._literal(to))]
