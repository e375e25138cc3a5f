# Copyright: (c) 2026, backoffice platform team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import heavy or optional libraries (drivers, Azure SDKs) only where they are used."""

from __future__ import annotations

import importlib

from ansible_collections.backoffice.dbops.plugins.module_utils.common.errors import MissingLibrary


def import_library(name: str, library: str, purpose: str):
    """`import name`, or MissingLibrary naming the package to install (`library`) and why it is needed."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise MissingLibrary(library, purpose, exc) from None
