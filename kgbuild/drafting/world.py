"""Names of the world's countries, territories, continents and regions, and of the cities
CLDR names its time zones after (Belgrade, Skopje, Vienna, Kabul), in each language of the
lexicons, from the Unicode CLDR as Babel ships it; and the international bodies of
``ontology/bodies.yaml``.

The drafter links a name the dataset already knows to its entity; a name only this list knows
is proposed as a new entity, with a type (a country, a region, an international organisation)
and an id made from its English name, so that the same country in two reports gets the same
id. Nothing here is fetched: CLDR comes with the Babel package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kgbuild.errors import InputError

from .text import fold, slug

# CLDR locales per lexicon language: Serbian in both of its scripts
LOCALES = {"en": ("en",), "sv": ("sv",), "sr": ("sr_Latn", "sr"), "de": ("de",)}
# CLDR territory codes that name no place a report means: unknown region, the euro area,
# outlying Oceania, pseudo-locales, the world
SKIP = {"ZZ", "EZ", "QO", "XA", "XB", "001", "UN"}
TERRITORIES = {"XK", "PS", "EH", "HK", "MO"}  # disputed, or not states: kg:Territory
CITY_REGIONS = ("Europe/", "Asia/", "Africa/")  # time zones whose cities reports may name
AND = {"en": "and", "sv": "och", "sr": "i", "de": "und"}


@dataclass
class WorldName:
    """One country, territory, region or body: its id, type and every name it has here."""

    id: str
    kind: str  # place or org
    type: str
    label: str  # its name in the lexicon's language
    names: set[str] = field(default_factory=set)  # in the lexicon's language
    everywhere: set[str] = field(default_factory=set)  # folded, in every language
    country: str | None = None  # for a city: the id of its country (CLDR's zone territory)


def world_names(ontology_dir: Path, language: str | None) -> list[WorldName]:
    """The world's names in ``language`` (none without a lexicon language)."""
    if language not in LOCALES:
        return []
    from babel import Locale

    locale = {name: Locale.parse(name) for names in LOCALES.values() for name in names}
    locale["en"] = Locale.parse("en")
    out: list[WorldName] = []
    english = locale["en"].territories
    everywhere: dict[str, set[str]] = {}
    for lang, locales in LOCALES.items():
        for name in locales:
            for code, text in locale[name].territories.items():
                everywhere.setdefault(code, set()).update(fold(v) for v in _variants(text, lang))
    for code in sorted(english):
        if code in SKIP or code not in english:
            continue
        names: set[str] = set()
        for name in LOCALES[language]:
            text = locale[name].territories.get(code)
            if text:
                names.update(_variants(text, language))
        if not names:
            continue
        label = sorted(
            _variants(locale[LOCALES[language][0]].territories[code], language),
            key=lambda v: ("&" in v, "(" in v, v),
        )[0]
        if code == "EU":
            entry = WorldName("place/european-union", "place", "Region", label, names)
        elif code.isdigit():
            entry = WorldName(f"place/{slug(english[code])}", "place", "Region", label, names)
        else:
            kind = "Territory" if code in TERRITORIES else "Country"
            entry = WorldName(f"place/{slug(english[code])}", "place", kind, label, names)
        entry.everywhere = everywhere.get(code, set())
        out.append(entry)
    out += _cities(language, {e.id for e in out}, english)
    out += _bodies(ontology_dir / "bodies.yaml", language)
    return out


def _cities(language: str, taken: set[str], english: dict[str, str]) -> list[WorldName]:
    """The exemplar cities of CLDR's time zones: a city of the same name as a country or
    region (Singapore, Djibouti) is that country here."""
    from babel.core import get_global
    from babel.dates import get_timezone_location

    out: dict[str, WorldName] = {}
    for zone, territory in sorted(get_global("zone_territories").items()):
        if not zone.startswith(CITY_REGIONS):
            continue
        en = get_timezone_location(zone, locale="en", return_city=True)
        entity_id = f"place/{slug(en)}"
        if entity_id in taken or entity_id in out or territory not in english:
            continue
        names = {
            get_timezone_location(zone, locale=loc, return_city=True) for loc in LOCALES[language]
        }
        everywhere = {
            fold(get_timezone_location(zone, locale=loc, return_city=True))
            for locs in LOCALES.values()
            for loc in locs
        }
        label = get_timezone_location(zone, locale=LOCALES[language][0], return_city=True)
        country = f"place/{slug(english[territory])}"
        out[entity_id] = WorldName(entity_id, "place", "Town", label, names, everywhere, country)
    return list(out.values())


def _variants(text: str, language: str) -> set[str]:
    """A CLDR name and the forms a text writes it in: "Bosnia & Herzegovina" is also "Bosnia
    and Herzegovina", "Myanmar (Burma)" also "Myanmar" and "Burma"."""
    out = {text}
    if "&" in text:
        out.add(text.replace("&", AND.get(language, "and")))
    if "(" in text and text.endswith(")"):
        head, _, inner = text[:-1].partition("(")
        out.update({head.strip(), inner.strip()})
        out.discard(text)
    return {v for v in out if v}


def _bodies(path: Path, language: str) -> list[WorldName]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"cannot read the international bodies: {exc}") from None
    out = []
    for record in data:
        try:
            names = record["names"]
            mine = [str(n) for n in names.get(language) or []]
            out.append(
                WorldName(
                    str(record["id"]),
                    "org",
                    str(record["type"]),
                    mine[0] if mine else str(names["en"][0]),
                    set(mine),
                    {fold(str(n)) for ns in names.values() for n in ns or []},
                )
            )
        except (KeyError, TypeError, IndexError, AttributeError):
            raise InputError(
                path, f"a body needs id, type and names per language: {record!r}"
            ) from None
    return out
