"""The staff roles, kept as Django groups and (re)created after every ``migrate``."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

EDITOR = "Éditeur ministériel"
COMMITTEE = "Comité d'éligibilité"
FOCAL_POINT = "Point focal municipal"

REFERENCE_MODELS = {
    "municipalities": ["governorate", "municipality", "focalpoint"],
    "caravan": ["ministry", "dimension", "edition", "stop", "referenceexperience"],
    "catalogue": ["sector", "source", "policygoal", "project", "projectimage", "projectdocument"],
}
ALL_ACTIONS = ("view", "add", "change", "delete")
# Spreadsheet imports need an explicit permission; it has no model option, so it is
# created here (no migration): (app, model) → name. Codename: import_<model>.
IMPORT_PERMISSIONS = {
    ("catalogue", "project"): "Can import projects from a spreadsheet",
    ("municipalities", "municipality"): "Can import municipality profiles from a spreadsheet",
    ("caravan", "ministry"): "Can import ministries from a spreadsheet",
    ("caravan", "stop"): "Can import caravan stops from a spreadsheet",
}

ROLE_PERMISSIONS = {
    # Edits all reference data and projects; submits, publishes, withdraws.
    EDITOR: [
        *(
            f"{app}.{action}_{model}"
            for app, models in REFERENCE_MODELS.items()
            for model in models
            for action in ALL_ACTIONS
        ),
        "catalogue.submit_project",
        "catalogue.publish_project",
        "catalogue.verify_project",
        *(f"{app}.import_{model}" for app, model in IMPORT_PERMISSIONS),
        "catalogue.view_projectreview",
        "catalogue.view_reviewgate",
        "catalogue.view_reviewscore",
        "catalogue.view_screeningcriterion",
        "catalogue.view_projecttransition",
        "caravan.view_municipalityreview",
        "caravan.view_municipalityreviewgate",
        "caravan.view_dimensionscore",
    ],
    # Writes and decides reviews (projects and municipalities); sets the criteria weights.
    COMMITTEE: [
        *(f"{app}.view_{model}" for app, models in REFERENCE_MODELS.items() for model in models),
        "catalogue.review_project",
        "catalogue.view_projectreview",
        "catalogue.change_projectreview",
        "catalogue.decide_projectreview",
        "catalogue.view_reviewgate",
        "catalogue.change_reviewgate",
        "catalogue.view_reviewscore",
        "catalogue.change_reviewscore",
        "catalogue.view_screeningcriterion",
        "catalogue.change_screeningcriterion",
        "catalogue.view_projecttransition",
        "caravan.view_municipalityreview",
        "caravan.add_municipalityreview",
        "caravan.change_municipalityreview",
        "caravan.decide_municipalityreview",
        "caravan.view_municipalityreviewgate",
        "caravan.change_municipalityreviewgate",
        "caravan.view_dimensionscore",
        "caravan.change_dimensionscore",
    ],
    # Drafts and submits the projects of one municipality (scope: catalogue.register.permissions),
    # and confirms that its published ones are still current.
    FOCAL_POINT: [
        "municipalities.view_municipality",
        "municipalities.view_governorate",
        "caravan.view_ministry",
        "caravan.view_dimension",
        "caravan.view_stop",
        "catalogue.view_sector",
        "catalogue.view_project",
        "catalogue.add_project",
        "catalogue.change_project",
        "catalogue.submit_project",
        "catalogue.verify_project",
        "catalogue.import_project",
        *(
            f"catalogue.{action}_{model}"
            for model in ("projectimage", "projectdocument")
            for action in ALL_ACTIONS
        ),
        "catalogue.view_projecttransition",
    ],
}


def ensure_import_permissions() -> None:
    """Create the import permissions (see ``IMPORT_PERMISSIONS``) if they are missing."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    for (app_label, model_name), name in IMPORT_PERMISSIONS.items():
        model = apps.get_model(app_label, model_name)
        Permission.objects.get_or_create(
            content_type=ContentType.objects.get_for_model(model),
            codename=f"import_{model_name}",
            defaults={"name": name},
        )


def ensure_roles(**kwargs) -> None:
    """Create the role groups and give them exactly their permissions."""
    ensure_import_permissions()
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        condition = Q()
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            condition |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(condition))
        missing = set(codenames) - {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
        if missing:  # the app defining them has not been migrated yet
            continue
        group.permissions.set(permissions)
