"""The repair's oracle (issue 16): every partial state of the preflight's corpus that Prisma's engines make, repaired
for real, then deployed by Prisma's engine, and compared with a clean deploy.

The worlds are the prefix oracle's (tests/support/oracle.py): the states Prisma's own engine leaves (`prisma`: the
referee on PostgreSQL through its driver adapter, statement by statement, and on SQLite; Prisma's native way on
MariaDB) and the statement-by-statement runs with the logs Prisma writes (`adapter`, `native-logs`). For each world
the preflight calls partial:
- revert: when the preflight offers a lossless revert, prisma_migration_repair runs it (the script shown, pinned by
  its SHA-256), the data is fixed, and Prisma's engine must deploy the migration; a refused revert is counted as such.
- complete: the data is fixed, prisma_migration_repair runs the completion, and Prisma's engine must find nothing to
  deploy (no failed migration, its checksum matching).
Either way the schema (the engine's own schema-only dump) must equal that of a database where the case's setup, its
data fixed, was deployed cleanly by the same engine. The collection decides nothing of the truth.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.repair_run import RepairStopped, run_repair
from ansible_collections.backoffice.dbops.tests.support.oracle import CaseRun, World, split
from ansible_collections.backoffice.dbops.tests.support.preflight import preflight

# The worlds Prisma's engines make partial, per engine (the hand-made ones are the prefix oracle's business).
PARTIAL_WORLDS = {
    "postgresql": frozenset({"prisma", "adapter"}),
    "mysql": frozenset({"prisma", "native-logs"}),
    "sqlite": frozenset({"prisma", "adapter"}),
}
REPAIRS = ("revert", "complete")
# Refusals before anything is written, each naming why: not wrong answers.
REFUSALS = ("repair_not_transactional",)


@dataclass
class RepairOutcome:
    engine: str
    case: str
    world: World
    repair: str
    # repaired; refused (before writing, saying why); undeployable (Prisma's engine cannot deploy the migration at
    # all, clean or not); fix_not_applicable (the case's fix names what the state renamed or dropped); wrong
    status: str
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.case} [{self.engine}] {self.world.kind} k={self.world.k} {self.repair}: {self.status}: "
            f"{'; '.join(self.problems)}"
        )


@dataclass
class RepairRun(CaseRun):
    """The prefix oracle's worlds of one case, each repaired one way (`repair`) instead of only judged."""

    repair: str = "revert"
    # case name -> the schema of its clean deploy, shared by the runs of one lab.
    clean: dict = field(default_factory=dict)
    repaired: list[RepairOutcome] = field(default_factory=list)

    def judge_world(self, world: World, backend, migrations) -> None:
        name = self.case.migration_name
        try:
            shown = preflight(backend, migrations, name, rehearse=False).result
        except Exception as error:  # the prefix oracle reports the preflight's own failures
            return self._record(world, "wrong", f"the preflight failed: {type(error).__name__}: {error}")
        if shown["verdict"] != "partial":
            return None
        script = shown["repair"][self.repair]
        if self.repair == "revert" and not script["lossless"]:
            reasons = "; ".join(f"statement {entry['index']}: {entry['reason']}" for entry in script["refused"])
            return self._record(world, "refused", reasons)
        clean = self.clean.get(self.case.name)
        if isinstance(clean, Exception):
            return self._record(world, "undeployable", f"{type(clean).__name__}: {str(clean)[:200]}")
        problems = []
        try:
            if self.repair == "complete":
                try:
                    self._fix(backend)
                except Exception as error:  # the fix names what an applied statement renamed or dropped
                    return self._record(world, "fix_not_applicable", f"{type(error).__name__}: {str(error)[:200]}")
            if self.repair == "revert":
                self._run(backend, migrations, script["sha256"])
                self._fix(backend)
                applied = backend.deploy(migrations)
                if name not in applied:
                    problems.append(f"Prisma's deploy after the revert applied {applied}")
            else:
                self._run(backend, migrations, script["sha256"])
                applied = backend.deploy(migrations)
                if applied:
                    problems.append(f"Prisma's deploy after the completion applied {applied}")
            if backend.schema_dump() != clean:
                problems.append("the schema differs from a clean deploy's")
        except RepairStopped as stop:
            if stop.error_kind in REFUSALS:
                # Refused before writing, naming why (a completion that cannot run in one transaction).
                return self._record(world, "refused", str(stop))
            problems.append(f"{stop.error_kind}: {stop}")
        except Exception as error:  # a failed repair or deploy is a wrong answer, named
            problems.append(f"{type(error).__name__}: {str(error)[:300]}")
        return self._record(world, "wrong" if problems else "repaired", *problems)

    def _run(self, backend, migrations, sha256) -> None:
        run_repair(
            backend.database,
            migration=self.case.migration_name,
            migrations_dir=str(migrations),
            repair=self.repair,
            expected_sha256=sha256,
            new_id=_new_id,
        )

    def _fix(self, backend) -> None:
        """The case's fix (idempotent UPDATE/DELETE of the rows in the way)."""
        for statement in split(self.case.fix, self.case.engine):
            backend.execute(statement.text)

    def run(self):
        # Before any world: a lab may keep one database for all of them (PostgreSQL), which this deploy rebuilds.
        self.clean_schema()
        return super().run()

    def clean_schema(self) -> None:
        """The schema after the setup, its data fixed, and a clean deploy of the migration by the same engine; the
        error instead where Prisma's engine cannot deploy it at all (its adapter splits a `$$` body at `;`)."""
        if self.case.name in self.clean:
            return
        backend = self.lab.fresh(self.case, fixed=True)
        try:
            migrations = self.migrations(backend)
            history = backend.database.history
            if not backend.execute(*history.table_exists_query()):
                # Prisma's deploy refuses a non-empty schema without its table (P3005), as in the prisma world.
                backend.execute(history.create_table)
            backend.deploy(migrations)
            self.clean[self.case.name] = backend.schema_dump()
        except Exception as error:  # reported per world as undeployable
            self.clean[self.case.name] = error
        finally:
            self.lab.dispose(backend)

    def _record(self, world, status, *problems) -> None:
        self.repaired.append(
            RepairOutcome(self.case.engine, self.case.name, world, self.repair, status, list(problems))
        )


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def repair_report(outcomes: list[RepairOutcome], title: str) -> str:
    """Per engine and repair: the partial worlds repaired, refused (no lossless revert) and wrong; then each wrong."""
    rows = defaultdict(Counter)
    for outcome in outcomes:
        for key in ((outcome.engine, outcome.repair), ("(all)", outcome.repair)):
            rows[key][outcome.status] += 1
    columns = ("repaired", "refused", "undeployable", "fix_not_applicable", "wrong")
    lines = [title, f"{'engine':<11} {'repair':<9} " + " ".join(f"{column:>18}" for column in columns)]
    for key in sorted(rows, key=lambda key: (key[0] == "(all)", key)):
        counts = rows[key]
        lines.append(f"{key[0]:<11} {key[1]:<9} " + " ".join(f"{counts[column]:>18}" for column in columns))
    skipped = [outcome for outcome in outcomes if outcome.status in ("undeployable", "fix_not_applicable")]
    if skipped:
        lines += ["", "not repaired, and why:", *(f"  {outcome.line()}" for outcome in skipped)]
    wrong = [outcome for outcome in outcomes if outcome.status == "wrong"]
    if wrong:
        lines += ["", f"{len(wrong)} wrong:", *(f"  {outcome.line()}" for outcome in wrong)]
    return "\n".join(lines)
