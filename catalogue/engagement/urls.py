"""Addresses of the engagement app, under the language prefix (smartcities/urls.py).

Project references use the catalogue's converter and tokens their own pattern, so that a
stray character (a NUL byte…) is not found before any query."""

from django.urls import path, register_converter

from catalogue.engagement import views

# Registers the "reference" converter (GAB-2020-001) that these addresses use too.
from catalogue.public import urls as _catalogue_urls  # noqa: F401


class TokenConverter:
    """A token of ``models.new_token`` (URL-safe base64)."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class SignedConverter(TokenConverter):
    """A value signed by ``django.core.signing`` (base64, ``:`` and ``.``)."""

    regex = "[A-Za-z0-9_.:-]{16,500}"


register_converter(TokenConverter, "token")
register_converter(SignedConverter, "signed")

app_name = "engagement"

urlpatterns = [
    path(
        "catalogue/<reference:reference>/interest/", views.interest_create, name="interest_create"
    ),
    path(
        "catalogue/<reference:reference>/interest/sent/",
        views.interest_sent,
        name="interest_sent",
    ),
    path("catalogue/<reference:reference>/follow/", views.follow_project, name="follow_project"),
    path("alerts/search/", views.save_search, name="save_search"),
    path("alerts/check-your-mailbox/", views.check_mailbox, name="check_mailbox"),
    path("alerts/confirm/<token:token>/", views.confirm, name="confirm"),
    path("alerts/unsubscribe/<token:token>/", views.unsubscribe, name="unsubscribe"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/<signed:token>/", views.my_data_view, name="my_data_view"),
]
