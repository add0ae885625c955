from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from caravan.loaders import load_programme
from catalogue.caching import bump_version
from catalogue.intake.loaders import (
    load_policy_goals,
    load_projects,
    load_screening_criteria,
    load_sectors,
    load_sources,
)
from catalogue.models import Sector
from catalogue.register.signals import names_of, refresh_renamed
from municipalities.loaders import load_territory
from municipalities.models import Governorate, Municipality


class Command(BaseCommand):
    help = (
        "Load the shipped reference data from fixtures/: 24 governorates, 350 municipalities, "
        "the partner ministries, the smart-city dimensions, the OC4IDS sectors, the caravan's "
        "2020 edition, the projects it announced and the article they come from. Safe to run "
        "again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        fixtures = settings.BASE_DIR / "fixtures"
        with transaction.atomic():
            named = (Governorate, Municipality, Sector)
            names_before = {model: names_of(model) for model in named}
            territory = load_territory(fixtures / "territory")
            programme = load_programme(fixtures / "programme")
            sectors = load_sectors(fixtures / "programme", fixtures / "oc4ids")
            load_screening_criteria(fixtures / "programme")
            load_policy_goals(fixtures / "programme")
            projects = load_projects(fixtures / "programme")
            load_sources(fixtures / "programme")
            for model in named:  # bulk writes send no signals: renamed places, by hand
                refresh_renamed(model, names_before[model])
            bump_version()  # likewise: refresh the cached pages
        self.stdout.write(
            self.style.SUCCESS(
                "Reference data loaded: {governorates} governorates, {municipalities} "
                "municipalities, {ministries} ministries, {editions} caravan edition(s) with "
                "{stops} stops, {sectors} sectors, {projects} announced projects.".format(
                    **territory, **programme, sectors=sectors, projects=projects
                )
            )
        )
