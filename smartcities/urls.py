from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from catalogue.caching import cache_public_page
from catalogue.public import export_views
from catalogue.public import urls as public_urls
from catalogue.public import views as catalogue_views
from catalogue.public.sitemaps import SITEMAPS
from municipalities import views as municipality_views
from smartcities.core import views as site_views

admin.site.site_header = _("Tunisian Smart Cities · administration")
admin.site.site_title = _("Tunisian Smart Cities")
admin.site.index_title = _("National catalogue of PPP projects")

handler400 = "smartcities.core.views.bad_request"
handler403 = "smartcities.core.views.permission_denied"
handler404 = "smartcities.core.views.page_not_found"
handler500 = "smartcities.core.views.server_error"

urlpatterns = [
    path("healthz", site_views.healthz, name="healthz"),
    path("ping", site_views.ping, name="ping"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("maps/tunisia.svg", municipality_views.tunisia_outline, name="tunisia_outline"),
    *public_urls.api_patterns,
    path("robots.txt", site_views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        cache_public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_public_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]

catalogue_urls, catalogue_namespace = export_views.with_exports(public_urls.project_patterns)

urlpatterns += i18n_patterns(
    path("", catalogue_views.HomeView.as_view(), name="home"),
    # /catalogue/… and the pages about the catalogue (/methodology/), one namespace.
    path(
        "",
        include(
            (
                [path("catalogue/", include(catalogue_urls)), *public_urls.about_patterns],
                catalogue_namespace,
            )
        ),
    ),
    path("", include(public_urls.territory_patterns)),
    path("", include(public_urls.programme_patterns)),
    # Expressions of interest, follows and saved searches, "my data".
    path("", include("catalogue.engagement.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
