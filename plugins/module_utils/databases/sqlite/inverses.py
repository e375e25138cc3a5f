# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SQLite: what undoes a change (pure). A table's constraints change only by rebuilding it."""

from __future__ import annotations

from ansible_collections.backoffice.dbops.plugins.module_utils.databases.inverses import Inverses, NotInvertible


class SqliteInverses(Inverses):
    droppable = ("view", "trigger")

    def drop_constraint(self, table, name, constraint) -> list[str]:
        del table, name, constraint
        raise NotInvertible("SQLite drops a constraint only by rebuilding the table")
