from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from catalogue import urls as public_urls
from catalogue import views as catalogue_views
from municipalities import views as municipality_views

admin.site.site_header = _("Tunisian Smart Cities · administration")
admin.site.site_title = _("Tunisian Smart Cities")
admin.site.index_title = _("National catalogue of PPP projects")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("maps/tunisia.svg", municipality_views.tunisia_outline, name="tunisia_outline"),
]

urlpatterns += i18n_patterns(
    path("", catalogue_views.HomeView.as_view(), name="home"),
    path("catalogue/", include(public_urls.project_patterns)),
    path("", include(public_urls.territory_patterns)),
    path("", include(public_urls.programme_patterns)),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
