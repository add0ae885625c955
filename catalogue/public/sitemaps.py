"""The portal's sitemap (``django.contrib.sitemaps``): every public page in each language,
with its alternates in the other languages and an ``x-default`` (French).

``/sitemap.xml`` is an index of the sections below (``/sitemap-<section>.xml``); a section
past ``limit`` URLs is split into pages (``?p=2``). Projects come from
``Project.objects.public()`` only.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from caravan.models import Edition, Ministry
from catalogue.models import Project
from municipalities.models import Governorate, Municipality


class PortalSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    # URLs per sitemap page, all languages counted: with its four alternates an entry is
    # about 700 bytes, so a page stays near 7 MB (the protocol allows 50,000 and 50 MB).
    limit = 10_000


class PageSitemap(PortalSitemap):
    """The pages that are not about one object."""

    PAGES = (
        "home",
        "catalogue:project_list",
        "municipalities:municipality_list",
        "caravan:edition_list",
        "caravan:ministry_list",
        "catalogue:methodology",
        "catalogue:data_dictionary",
    )

    def items(self):
        return list(self.PAGES)

    def location(self, item):
        return reverse(item)


class ProjectSitemap(PortalSitemap):
    def items(self):
        # Two columns only: the largest catalogue holds 100,000 projects.
        return (
            Project.objects.public()
            .order_by("reference")
            .values_list("reference", "updated_at", named=True)
        )

    def location(self, item):
        return reverse("catalogue:project_detail", kwargs={"reference": item.reference})

    def lastmod(self, item):
        return item.updated_at


class MunicipalitySitemap(PortalSitemap):
    def items(self):
        return Municipality.objects.order_by("code").only("slug")


class GovernorateSitemap(PortalSitemap):
    def items(self):
        return Governorate.objects.order_by("code_ins").only("slug")


class EditionSitemap(PortalSitemap):
    def items(self):
        return Edition.objects.order_by("number").only("number")


class MinistrySitemap(PortalSitemap):
    def items(self):
        return Ministry.objects.order_by("slug").only("slug")


SITEMAPS = {
    "pages": PageSitemap,
    "projects": ProjectSitemap,
    "municipalities": MunicipalitySitemap,
    "governorates": GovernorateSitemap,
    "caravan": EditionSitemap,
    "ministries": MinistrySitemap,
}
