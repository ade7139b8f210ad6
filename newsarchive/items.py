"""The archived record: one news article, a field per property of the shipped JSON Schema.

``schema/article.schema.json`` is the one list of fields: it documents each (type, format,
meaning), validation checks every record against it, and the item, the loader's empty values and
the store's field order are derived from it here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import scrapy

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "article.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
FIELDS: tuple[str, ...] = tuple(SCHEMA["properties"])  # in record order


class Article(scrapy.Item):
    """One article as archived. Formats are contracts; the JSON Schema states and checks them."""

    # Scrapy's item class collects the Field attributes of the class body: one per schema property.
    for _name in FIELDS:
        vars()[_name] = scrapy.Field(description=SCHEMA["properties"][_name].get("description", ""))
    del _name


def empty_value(field: str) -> Any:
    """What a record carries in ``field`` when the page has nothing for it: null where the schema
    allows it, else an empty list or string.

    >>> empty_value("subtitle"), empty_value("authors"), empty_value("body")
    (None, [], '')
    """
    kind = SCHEMA["properties"][field]["type"]
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" in kinds:
        return None
    return [] if "array" in kinds else ""
