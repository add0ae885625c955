"""Addresses of the engagement app, under the language prefix (smartcities/urls.py)."""

from django.urls import path

from catalogue.engagement import views

app_name = "engagement"

urlpatterns = [
    path("catalogue/<str:reference>/interest/", views.interest_create, name="interest_create"),
    path("catalogue/<str:reference>/interest/sent/", views.interest_sent, name="interest_sent"),
    path("catalogue/<str:reference>/follow/", views.follow_project, name="follow_project"),
    path("alerts/search/", views.save_search, name="save_search"),
    path("alerts/check-your-mailbox/", views.check_mailbox, name="check_mailbox"),
    path("alerts/confirm/<str:token>/", views.confirm, name="confirm"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/<str:token>/", views.my_data_view, name="my_data_view"),
]
