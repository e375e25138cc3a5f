# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What undoes one change a migration statement made, as SQL for the database (pure).

Names and literals are rendered by sqlglot's generator for the database (its Syntax names it: postgres, mysql, sqlite,
tsql), into statement templates written per database: each database's folder subclasses Inverses where its SQL
differs (MySQL's DROP INDEX ... ON, SQL Server's sp_rename). The templates are not parsed and generated again: sqlglot
releases differ in what they parse (30.18 refuses T-SQL's DROP INDEX ... ON), and the script's SHA-256 must not depend
on the release installed; every template runs against its real engine in the tests. A change nothing can undo without
losing what it changed, or whose previous state migration.sql does not say, raises NotInvertible with the reason:
never a guess.
"""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.parts import Part
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.names import TableName
from ansible_collections.backoffice.dbops.plugins.module_utils.sql.statements import load_sqlglot


class NotInvertible(Exception):
    """The change has no lossless inverse; the message says why (for the operator)."""


class Inverses(Part):
    @property
    def _generator(self) -> str:
        """sqlglot's dialect that renders the SQL."""
        return self.dialect.syntax.sqlglot

    def _name(self, name: str) -> str:
        return load_sqlglot().exp.to_identifier(name, quoted=True).sql(dialect=self._generator)

    def _qualified(self, *parts: str | None) -> str:
        """A name with what qualifies it (schema, table), each part quoted; absent parts left out."""
        return ".".join(self._name(part) for part in parts if part)

    def _table(self, table: TableName) -> str:
        return self._qualified(table.schema, table.name)

    def _render(self, template: str, *parts: str) -> str:
        """The statement `template` names, with `parts` (names and literals the generator rendered) in its places."""
        return template.format(*parts)

    def drop_table(self, table: TableName) -> list[str]:
        return [self._render("DROP TABLE {}", self._table(table))]

    def drop_column(self, table: TableName, column: str, spec=None) -> list[str]:
        """`spec`: the column as ADD COLUMN declared it (sql.statements.ColumnSpec), when it says."""
        del spec
        return [self._render("ALTER TABLE {} DROP COLUMN {}", self._table(table), self._name(column))]

    def drop_index(self, table: TableName | None, schema: str | None, name: str) -> list[str]:
        del table
        return [self._render("DROP INDEX {}", self._qualified(schema, name))]

    def drop_constraint(self, table: TableName, name: str, constraint: str | None) -> list[str]:
        del constraint
        return [self._render("ALTER TABLE {} DROP CONSTRAINT {}", self._table(table), self._name(name))]

    def rename_table(self, table: TableName, to: str) -> list[str]:
        return [self._render("ALTER TABLE {} RENAME TO {}", self._table(table), self._name(to))]

    def rename_column(self, table: TableName, name: str, to: str) -> list[str]:
        return [
            self._render("ALTER TABLE {} RENAME COLUMN {} TO {}", self._table(table), self._name(name), self._name(to))
        ]

    def rename_index(self, table: TableName | None, schema: str | None, name: str, to: str) -> list[str]:
        del table, schema, name, to
        raise NotInvertible("renaming an index back is not supported on this database")

    def rename_constraint(self, table: TableName, name: str, to: str) -> list[str]:
        del table, name, to
        raise NotInvertible("renaming a constraint back is not supported on this database")

    def drop_not_null(self, table: TableName, column: str) -> list[str]:
        del table, column
        raise NotInvertible(
            "the column's type and default would have to be restated, and migration.sql does not say them"
        )

    def drop_type(self, schema: str | None, name: str) -> list[str]:
        del schema, name
        raise NotInvertible("this database has no types of its own to drop")

    def rename_type(self, schema: str | None, name: str, to: str) -> list[str]:
        del schema, name, to
        raise NotInvertible("this database has no types of its own to rename")

    # Objects a DROP <kind> <name> removes, named as CREATE <kind> names them.
    droppable = ("view", "sequence", "function", "procedure")

    def drop_object(self, kind: str, schema: str | None, name: str, table: TableName | None) -> list[str]:
        del table
        if kind not in self.droppable:
            raise NotInvertible(f"dropping a {kind.replace('_', ' ')} is not supported on this database")
        return [self._render(f"DROP {kind.replace('_', ' ').upper()} {{}}", self._qualified(schema, name))]
