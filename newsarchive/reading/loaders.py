"""The item loader every portal's loader starts from: field processors shared by all portals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from itemloaders.processors import Compose, Identity, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newsarchive.items import FIELDS, Article, empty_value
from newsarchive.reading.bylines import clean_origin, strip_site_suffix
from newsarchive.reading.text import clean_text, unique


def _image(value: dict[str, Any]) -> dict[str, Any] | None:
    """A picture with a web address (``data:`` and ``javascript:`` sources are no pictures to keep)."""
    url = str(value.get("url") or "").strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    caption = clean_text(value.get("caption") or "")
    return {"url": url, "caption": caption or None}


def _without_site_name(title: str, loader_context: dict[str, Any]) -> str:
    """The headline without the site's name the page may print after it (the portal's names are
    in the loader's context, ``site_names``)."""
    return strip_site_suffix(title, tuple(loader_context.get("site_names", ())))


def _join_lines(values: list[str]) -> str | None:
    return "\n".join(values) or None


# Fields a record always carries, with the value they take when the page has nothing for them
# (the rest are set when the record is finished, or only on some records).
EMPTY_FIELDS = ("subtitle", "published_at", "origin", "section", "authors", "editors", "breadcrumbs", "images", "body")
assert set(EMPTY_FIELDS) <= set(FIELDS), "EMPTY_FIELDS names a field the schema does not have"


class ArticleLoader(ItemLoader):
    """Cleans what a portal's extraction adds; a portal subclasses it only for its quirks.

    Text read from the page (title, dates, outlet, breadcrumbs, captions) is cleaned here. Body
    lines and subtitles come from :func:`newsarchive.reading.body.read_body` and names from the byline
    readers, which already clean them, so those fields are not cleaned a second time.
    """

    default_item_class = Article
    default_input_processor = MapCompose(clean_text)
    default_output_processor = TakeFirst()

    title_in = MapCompose(clean_text, _without_site_name)
    origin_in = MapCompose(clean_origin)
    subtitle_in = Identity()
    subtitle_out = Compose(unique, _join_lines)
    authors_in = Identity()
    authors_out = Compose(unique)
    editors_in = Identity()
    editors_out = Compose(unique)
    body_in = Identity()
    breadcrumbs_out = Identity()
    body_out = Compose(lambda lines: [line for line in lines if line], "\n".join)
    images_in = MapCompose(_image)
    images_out = Identity()
    published_date_in = Identity()
    published_at_in = Identity()
    published_raw_in = Identity()

    # Processors are declared on the class, so each class looks a field's processor up once: the
    # lookup (an attribute, the item field's metadata through an ItemAdapter, an unbound-method
    # check) ran for every value added: about 7% of a Jilin page's extraction.
    _processor_cache: ClassVar[dict[tuple[type, str, str], Callable[..., Any]]] = {}

    def get_input_processor(self, field_name: str) -> Callable[..., Any]:
        return self._cached(field_name, "in", super().get_input_processor)

    def get_output_processor(self, field_name: str) -> Callable[..., Any]:
        return self._cached(field_name, "out", super().get_output_processor)

    def _cached(self, field_name: str, kind: str, lookup: Callable[[str], Callable[..., Any]]) -> Callable[..., Any]:
        key = (type(self), field_name, kind)
        found = self._processor_cache.get(key)
        if found is None:
            found = self._processor_cache[key] = lookup(field_name)
        return found

    def load_item(self) -> Article:
        item: Article = super().load_item()
        for field in EMPTY_FIELDS:
            if field not in item:
                item[field] = empty_value(field)
        return item
