"""Every user-visible string of the app has an Italian translation, and the English catalog exists."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}


def _source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map=METHODS, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(lang: str):
    with open(ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _is_translated(message) -> bool:
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(message.id) and all(forms) and not message.fuzzy


def test_every_message_in_the_code_has_an_italian_translation():
    catalog = _catalog("it")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if _is_translated(m)}

    missing = sorted(_source_messages() - translated)

    assert missing == [], f"{len(missing)} strings lack an Italian translation: run make translations-update"


def test_italian_translations_keep_their_placeholders():
    import re

    mismatched = []
    for message in _catalog("it"):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        if sorted(re.findall(r"%\(\w+\)[sd]", source)) != sorted(re.findall(r"%\(\w+\)[sd]", target)):
            mismatched.append(source)

    assert mismatched == []
