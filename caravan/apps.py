from django.apps import AppConfig


class CaravanConfig(AppConfig):
    name = "caravan"
