"""Atom feeds of the catalogue (``django.contrib.syndication``): the public projects
latest published or updated first, for any selection of the catalogue's filters.

``/<lang>/catalogue/feed.atom?<catalogue filters>``, e.g. ``?governorate=sfax`` for the
projects of Sfax: the same query string as the catalogue page, whose selection it reads
through ``catalogue.selection.select`` (public projects only).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from catalogue.outputs.oc4ids import PUBLISHER
from catalogue.selection import Selection, select

FEED_ITEMS = 50


@dataclass
class FeedSelection:
    selection: Selection
    projects: list
    query: str
    url: str


class CatalogueFeed(Feed):
    feed_type = Atom1Feed
    author_name = PUBLISHER

    def get_object(self, request, *args, **kwargs):
        selection = select(request.GET)
        projects = list(
            selection.ordered_by("-updated_at", "-id")
            .for_lists()
            .select_related("stop__edition")[:FEED_ITEMS]
        )
        return FeedSelection(
            selection=selection,
            projects=projects,
            query=selection.query_string(),
            url=request.get_full_path(),
        )

    def title(self, obj):
        title = _("National catalogue of smart-city PPP projects")
        described = obj.selection.described
        if described:
            title += " — " + "; ".join(f"{label}: {value}" for label, value in described)
        return title

    def subtitle(self, obj):
        return _("Public projects, the latest published or updated first.")

    def link(self, obj):
        url = reverse("catalogue:project_list")
        return f"{url}?{obj.query}" if obj.query else url

    def feed_url(self, obj):
        return obj.url

    def feed_copyright(self, obj):
        licence = settings.DATA_LICENCE
        return _("Data published under the licence %(name)s (%(url)s)") % licence

    def items(self, obj):
        return obj.projects

    def item_title(self, item):
        return f"{item.title} ({item.municipality.name})"

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.municipality.name

    def item_categories(self, item):
        categories = [item.municipality.governorate.name]
        if item.sector_id:
            categories.append(item.sector.name)
        if item.stage:
            categories.append(item.get_stage_display())
        return categories
