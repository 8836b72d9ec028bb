"""Citations: the shipped source table (``rules/sources.yaml``) and how a cited id becomes URLs.

A rule or a parameter lists its ``sources``. The shipped files cite ids of
the table (``E1``, ``M8``) or URLs; on loading, each id is replaced by the
table's public URLs, so everything livelift prints carries links a user can
open (the table is the one place a link is written). The old form
``facts.md#E1`` names the same id. User rule files may cite any non-empty
text: a known id still becomes its URLs, other text is kept as written. A
user directory may hold its own ``sources.yaml``, which adds ids or replaces
shipped ones by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..errors import Problem, did_you_mean

__all__ = ["Source", "SOURCES_FILE", "parse_sources", "resolve_sources", "citation_problem", "is_url"]

SOURCES_FILE = "sources.yaml"
_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
_URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s]+$")
_LEGACY_PREFIX = "facts.md#"


@dataclass(frozen=True)
class Source:
    """One entry of the source table: what it says, and where to read it."""

    id: str
    title: str
    urls: tuple[str, ...]
    file: str = ""


def is_url(text: str) -> bool:
    return bool(_URL_RE.match(text))


def _key(text: str) -> str:
    """The table id a citation names (``facts.md#E1`` and ``E1`` both name ``E1``)."""
    text = text.strip()
    return text[len(_LEGACY_PREFIX):] if text.startswith(_LEGACY_PREFIX) else text


def parse_sources(doc: Any, file: str) -> tuple[dict[str, Source], list[Problem]]:
    """Validate a parsed sources.yaml; returns ({id: Source}, problems)."""
    shape = "sources: {ID: {title: text, urls: [https://...]}}"
    if not isinstance(doc, dict) or set(doc) != {"sources"} or not isinstance(doc["sources"], dict):
        got = sorted(map(str, doc)) if isinstance(doc, dict) else type(doc).__name__
        return {}, [Problem(file, "a sources file is a mapping with one key 'sources' (id -> entry)", shape, got)]
    out: dict[str, Source] = {}
    problems: list[Problem] = []
    for sid, entry in doc["sources"].items():
        where = f"{file}: source {sid}"
        found: list[Problem] = []
        if not isinstance(sid, str) or not _ID_RE.match(sid):
            found.append(Problem(where, "source ids are a letter then letters, digits, '_', '.' or '-'", "e.g. E1 or M3b", sid))
        if not isinstance(entry, dict):
            problems.extend(found + [Problem(where, "a source is a mapping", "{title: text, urls: [https://...]}", entry)])
            continue
        for key in entry:
            if key not in ("title", "urls"):
                found.append(Problem(f"{where}, {key}", f"unknown key {key!r}{did_you_mean(key, ('title', 'urls'))}", "title, urls"))
        title, urls = entry.get("title"), entry.get("urls")
        if not isinstance(title, str) or not title.strip():
            found.append(Problem(f"{where}, title", "must be a non-empty string", "text", title))
        if not isinstance(urls, list) or not urls:
            found.append(Problem(f"{where}, urls", "must be a non-empty list of URLs", "[https://...]", urls))
        else:
            found.extend(
                Problem(f"{where}, urls[{i}]", "not a URL a user can open", "an http(s) URL", u)
                for i, u in enumerate(urls)
                if not isinstance(u, str) or not is_url(u)
            )
        if found:
            problems.extend(found)
        else:
            out[sid] = Source(sid, " ".join(title.split()), tuple(dict.fromkeys(urls)), file)
    return out, problems


def citation_problem(text: Any, table: Mapping[str, Source], *, shipped: bool) -> tuple[str, str] | None:
    """(message, expected) if ``text`` cannot be cited, else None.

    Any non-empty text will do in a user file; a shipped file cites a table id or a URL.
    """
    if not isinstance(text, str) or not text.strip():
        return "a source must be non-empty text", "a URL, an id of rules/sources.yaml, or a short reference"
    if shipped and not is_url(text) and _key(text) not in table:
        hint = did_you_mean(_key(text), table)
        return f"unknown source id {text!r}{hint}", "an id of rules/sources.yaml or an http(s) URL"
    return None


def resolve_sources(cited: Iterable[str], table: Mapping[str, Source]) -> tuple[str, ...]:
    """The citations with every table id replaced by its URLs (order kept, duplicates dropped)."""
    out: list[str] = []
    for text in cited:
        source = table.get(_key(text))
        out.extend(source.urls if source is not None else (text.strip(),))
    return tuple(dict.fromkeys(out))
