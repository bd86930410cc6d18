"""Add French translations to the catalogue: `python scripts/po_add.py translations.json`.

The JSON maps each English msgid to its French text; for a plural, the key is
"singular|plural" and the value a list [singular, plural]. New messages are added, existing
ones updated. Several people may run it at once: a file lock serialises the writes.
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po

CATALOGUE = Path(__file__).resolve().parent.parent / "app/translations/fr/LC_MESSAGES/messages.po"


def merge(entries: dict[str, str | list[str]]) -> int:
    with open(CATALOGUE.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with CATALOGUE.open("rb") as fh:
            catalogue = read_po(fh)
        for key, french in entries.items():
            msgid = tuple(key.split("|", 1)) if isinstance(french, list) else key
            string = tuple(french) if isinstance(french, list) else french
            existing = catalogue.get(msgid)
            if existing is not None:
                existing.string = string
                existing.flags.discard("fuzzy")
            else:
                catalogue[msgid] = Message(msgid, string)
        with CATALOGUE.open("wb") as fh:
            write_po(fh, catalogue, width=100, sort_output=True)
    return len(entries)


if __name__ == "__main__":
    count = merge(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
    print(f"{count} translations merged into {CATALOGUE}")
