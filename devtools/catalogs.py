"""`python -m devtools.catalogs [update|check]`: the message catalogs, kept in step with the code.

- `update` extracts every message from bot/ and core/ (`N_("…")`, `tr("…")`,
  `tr.plural("…", "…", n)`, and `tr("…")` / `plural(…)` in the study page's templates)
  into core/locales/vocabot.pot and merges it into each language's
  vocabot.po: new messages arrive untranslated, gone ones are dropped, translations stay.
  English is filled in by itself (its messages are the English source).
- `check` exits 1 and names every message that a catalog lacks or has not translated, or
  whose translation lost or invented a `{placeholder}` (the test suite runs the same check).

Babel does the extracting and the .po reading and writing; this only wires it to our layout.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.i18n import DEFAULT_LANGUAGE, DOMAIN, INTERFACE_LANGUAGES, LOCALES, catalog_path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "core")
KEYWORDS: dict[str, tuple[int, ...] | None] = {"N_": None, "tr": None, "plural": (1, 2)}
# Python, and the study page's Jinja2 templates (which say `tr("…")` the same way).
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")]
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")


def extract() -> Catalog:
    """Every message the code marks, with where it is used."""
    catalog = Catalog(project="vocabot", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for source in SOURCES:
        for filename, line, message, comments, context in extract_from_dir(
            ROOT / source, method_map=METHODS, keywords=KEYWORDS
        ):
            catalog.add(
                message,
                locations=[(f"{source}/{filename}", line)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def read(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=100, sort_output=False, ignore_obsolete=True)


def update() -> None:
    write(extract(), TEMPLATE)
    for language in INTERFACE_LANGUAGES:
        path = catalog_path(language)
        if path.exists():
            catalog = read(language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="vocabot", fuzzy=False)
        # A fresh template each time: Catalog.update shares the template's messages.
        catalog.update(extract(), no_fuzzy_matching=True)
        if language == DEFAULT_LANGUAGE:
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        write(catalog, path)


def _strings(value: object) -> tuple[str, ...]:
    """A message's id or translation as a tuple (plural messages have several forms)."""
    if isinstance(value, tuple | list):
        return tuple(str(v) for v in value)
    return (str(value),) if value else ("",)


def _translated(message: Message) -> bool:
    return all(_strings(message.string)) and not message.fuzzy


def _placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems() -> Iterator[str]:
    """What keeps the catalogs from being complete for the code as it is."""
    wanted = extract()
    for language in INTERFACE_LANGUAGES:
        catalog = read(language)
        for wanted_message in wanted:
            if not wanted_message.id:
                continue
            message = catalog.get(wanted_message.id)
            ids = _strings(wanted_message.id)
            if message is None:
                yield f"{language}: missing {ids[0]!r}"
            elif not _translated(message) or (
                language != DEFAULT_LANGUAGE and message.string == message.id
            ):
                yield f"{language}: not translated {ids[0]!r}"
            else:
                strings = _strings(message.string)
                expected = set().union(*(_placeholders(i) for i in ids))
                for string in strings:
                    if _placeholders(string) != expected:
                        yield f"{language}: placeholders differ in {ids[0]!r}: {string!r}"


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
        return 0
    found = list(problems())
    for problem in found:
        print(problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
