# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""wait_for_database on the controller: a module run returns only at its end, so a long wait would print nothing for
minutes. This runs the module in slices of `progress_interval` seconds: first one attempt; if the failure is worth
waiting for (the module says why, in `waiting_for`), says how long it may wait and why, then prints a progress line
after each slice until the database accepts a connection or `timeout` has passed."""

from __future__ import annotations

import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.backoffice.dbops.plugins.module_utils.prisma.wait import (
    MAX_TIMEOUT,
    announcement,
    not_ready_message,
    progress,
)

display = Display()


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if self._task.async_val:
            # Under `async` the job is polled by Ansible itself: one module run for the whole timeout.
            result.update(self._execute_module(task_vars=task_vars, wrap_async=True))
            return result
        try:
            result.update(self._wait(task_vars))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _slice(self, task_vars, timeout: float) -> dict:
        return self._execute_module(module_args={**self._task.args, "timeout": timeout}, task_vars=task_vars)

    def _wait(self, task_vars) -> dict:
        try:
            timeout = float(self._task.args.get("timeout", 300))
            interval = float(self._task.args.get("progress_interval", 20))
        except (TypeError, ValueError):
            timeout = interval = None
        if timeout is None or not 0 <= timeout <= MAX_TIMEOUT:
            # The module refuses these values itself, naming the option.
            return self._execute_module(task_vars=task_vars)
        started = time.monotonic()
        first = self._slice(task_vars, 0)
        if not first.get("failed") or "waiting_for" not in first or timeout == 0:
            return first
        host = task_vars.get("inventory_hostname", "")
        database = first.get("database") or "the database"
        display.display(f"[{host}] {announcement(database, timeout, first['waiting_for'], interval)}")
        attempts, last = first.get("attempts", 1), first
        while True:
            remaining = timeout - (time.monotonic() - started)
            if remaining > 0:
                last = self._slice(task_vars, min(interval, remaining))
                attempts += last.get("attempts", 1)
                if not last.get("failed"):
                    return {**last, "attempts": attempts, "elapsed": round(time.monotonic() - started, 3)}
                if "waiting_for" not in last:
                    return {**last, "attempts": attempts}
            elapsed = round(time.monotonic() - started, 3)
            if elapsed >= timeout:
                # The slice's own summary would say "within <slice> s": the wait's is the whole timeout.
                message = not_ready_message(timeout, attempts, last.get("last_error", ""))
                last.pop("exception", None)
                return {**last, "msg": message, "attempts": attempts, "elapsed": elapsed}
            display.display(f"[{host}] {progress(database, elapsed, timeout, attempts, last.get('error_kind'))}")
