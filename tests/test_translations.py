"""Every message shown to users is translated into French (the default language)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def _source_messages() -> set[str]:
    method_map = [
        ("app/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_french_translation():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id
        and (all(m.string) if isinstance(m.string, tuple) else m.string)
        and "fuzzy" not in m.flags
    }
    missing = sorted(_source_messages() - translated)
    assert missing == [], "run `make messages` and translate these in messages.po"
