"""Make `ansible_collections.backoffice.dbops` importable from the repository checkout."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")
if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "backoffice", "dbops")):
    raise RuntimeError("Run `make setup` first: it links the collection under .collections/.")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
