"""Keep each project's search text true when a place or a sector is renamed.

A project's ``search_text`` holds the names of its municipality, governorate and sector
(``Project.compose_search_text``); renaming one of them must refresh the projects that
carry the old name, or a search for the new name would miss them.
"""

from django.db.models.signals import post_save, pre_save

NAME_FIELDS = ("name_fr", "name_ar", "name_en")


def names_of(model, pks=None) -> dict[int, tuple]:
    """{pk: (names…)} of ``model``'s rows (all of them, or those in ``pks``)."""
    fields = [f for f in NAME_FIELDS if any(f == field.name for field in model._meta.fields)]
    rows = model.objects.all() if pks is None else model.objects.filter(pk__in=pks)
    return {pk: tuple(names) for pk, *names in rows.values_list("pk", *fields)}


def projects_of(model, pks):
    """The projects whose search text holds the names of ``model``'s rows ``pks``."""
    from catalogue.models import Project, Sector
    from municipalities.models import Governorate, Municipality

    lookup = {
        Municipality: "municipality__in",
        Governorate: "municipality__governorate__in",
        Sector: "sector__in",
    }[model]
    return Project.objects.filter(**{lookup: pks})


def refresh_renamed(model, before: dict[int, tuple]) -> int:
    """Refresh the projects of the rows whose names differ from ``before``."""
    after = names_of(model, list(before))
    renamed = [pk for pk, names in before.items() if after.get(pk, names) != names]
    return projects_of(model, renamed).refresh_search_text() if renamed else 0


def _remember_names(sender, instance, **kwargs):
    if instance.pk is not None and not kwargs.get("raw"):
        instance._names_before = names_of(sender, [instance.pk])


def _refresh_after_rename(sender, instance, created, **kwargs):
    before = getattr(instance, "_names_before", None)
    if before and not created:
        refresh_renamed(sender, before)


def connect_signals() -> None:
    from catalogue.models import Sector
    from municipalities.models import Governorate, Municipality

    for model in (Municipality, Governorate, Sector):
        uid = f"catalogue.search_text.{model._meta.label}"
        pre_save.connect(_remember_names, sender=model, dispatch_uid=uid + ".pre")
        post_save.connect(_refresh_after_rename, sender=model, dispatch_uid=uid + ".post")
