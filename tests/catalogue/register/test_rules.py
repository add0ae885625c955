"""Each rule of ``catalogue.register.rules``, through every way in: the service, the admin
(client posts, as a person would) and the spreadsheet import (a small CSV file).

A refused write changes nothing, whatever the path; an allowed one goes through.
"""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalogue.intake.imports import import_projects
from catalogue.models import Project
from catalogue.register import reviews, rules, services
from catalogue.register.choices import Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

PATHS = ["service", "admin", "import"]


# The three ways in ----------------------------------------------------------------------


def form_data(response) -> dict:
    """What the admin change page posts back, unchanged (fields and inline management)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "on" if value is True else str(value)
    for inline in response.context.get("inline_admin_formsets") or []:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{inline.formset.prefix}-{name}"] = management[name].value()
    return data


def csv_file(row: dict) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    return buffer.getvalue().encode()


CSV_VALUES = {
    "municipality": lambda m: m.code,
    "featured": lambda v: "yes" if v else "no",
}


def edit(path, client, user, project, changes, *, edit_version=None) -> bool:
    """Change ``project`` as ``user`` through ``path``; whether it was saved."""
    if path == "service":
        current = Project.objects.get(pk=project.pk)
        for name, value in changes.items():
            setattr(current, name, value)
        try:
            services.project_save(project=current, user=user, edit_version=edit_version)
        except (PermissionDenied, ValidationError):
            return False
        return True
    if path == "admin":
        client.force_login(user)
        url = reverse("admin:catalogue_project_change", args=[project.pk])
        page = client.get(url)
        if page.status_code != 200:
            return False
        data = form_data(page)
        for name, value in changes.items():
            if name == "municipality":
                data[name] = str(value.pk)
            elif isinstance(value, bool):
                data.pop(name, None)
                if value:
                    data[name] = "on"
            else:
                data[name] = str(value)
        if edit_version is not None:
            data["edit_version"] = str(edit_version)
        return client.post(url, data).status_code == 302
    current = Project.objects.select_related("municipality").get(pk=project.pk)
    row = {  # the required columns, as they are
        "reference": current.reference,
        "title_fr": current.title_fr,
        "summary_fr": current.summary_fr,
        "municipality": current.municipality.code,
    }
    for name, value in changes.items():
        row[name] = CSV_VALUES.get(name, str)(value)
    if edit_version is not None:
        row["edit_version"] = str(edit_version)
    result = import_projects(csv_file(row), user=user, dry_run=False, name="rules.csv")
    return result.ok and result.updated == 1


def sfax():
    return Municipality.objects.get(code="3411")


# Scope: a focal point edits only the drafts of their municipality --------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("case", "allowed"),
    [("own draft", True), ("own submitted", False), ("other municipality", False)],
)
def test_may_edit_project(client, team, path, case, allowed):
    project = ProjectFactory(
        status=Status.SUBMITTED if case == "own submitted" else Status.DRAFT,
        **({"municipality": sfax()} if case == "other municipality" else {}),
    )
    assert rules.may_edit_project(team["focal"], project) is allowed
    saved = edit(path, client, team["focal"], project, {"title_fr": "Changé"})
    assert saved is allowed, (path, case)
    assert (Project.objects.get(pk=project.pk).title_fr == "Changé") is allowed


def test_editable_projects_are_the_focal_points_drafts(team):
    own = ProjectFactory()
    submitted = ProjectFactory(status=Status.SUBMITTED)
    elsewhere = ProjectFactory(municipality=sfax())
    editable = set(rules.editable_projects(team["focal"]))
    assert own in editable and not {submitted, elsewhere} & editable
    assert rules.editable_projects(team["editor"]).count() == Project.objects.count()


# Staff-only fields -----------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("role", "allowed"), [("focal", False), ("editor", True)])
def test_staff_only_fields(client, team, path, role, allowed):
    project = ProjectFactory()
    assert ("featured" in rules.staff_only_fields(team[role])) is not allowed
    edit(path, client, team[role], project, {"featured": True, "title_fr": "Mis en avant"})
    assert Project.objects.get(pk=project.pk).featured is allowed, (path, role)


def test_a_focal_point_cannot_create_a_featured_project(team):
    project = Project(
        reference="FOC-2026-009",
        title_fr="Nouveau",
        summary_fr="Résumé.",
        municipality=Municipality.objects.get(code="5111"),
        featured=True,
    )
    with pytest.raises(ValidationError) as refused:
        services.project_save(project=project, user=team["focal"])
    assert "featured" in refused.value.message_dict
    assert not Project.objects.filter(reference="FOC-2026-009").exists()


# A project never changes municipality ------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_check_municipality_unchanged(client, team, path):
    project = ProjectFactory()
    saved = edit(path, client, team["editor"], project, {"municipality": sfax()})
    assert not saved
    assert Project.objects.get(pk=project.pk).municipality.code == "5111"
    with pytest.raises(ValidationError):
        rules.check_municipality_unchanged(sfax().pk, project)


# A published project is never deleted ------------------------------------------------------


@pytest.mark.parametrize("path", ["service", "admin", "admin bulk action"])
@pytest.mark.parametrize(("role", "allowed"), [("editor", False), ("root", True)])
def test_may_delete_project(client, team, path, role, allowed):
    # The import never deletes: its paths are the service, the delete page and the list's
    # bulk deletion.
    project = ProjectFactory(published=True)
    user = team[role]
    assert rules.may_delete_project(user, project) is allowed
    if path == "service":
        try:
            services.project_delete(project=project, user=user)
        except PermissionDenied:
            pass
    else:
        client.force_login(user)
        if path == "admin":
            url = reverse("admin:catalogue_project_delete", args=[project.pk])
            response = client.post(url, {"post": "yes"})
        else:
            response = client.post(
                reverse("admin:catalogue_project_changelist"),
                {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
            )
        assert response.status_code in (302, 403)
    assert Project.objects.filter(pk=project.pk).exists() is not allowed, (path, role)


def test_a_draft_is_deleted_through_the_service(team):
    project = ProjectFactory()
    services.project_delete(project=project, user=team["editor"])
    assert not Project.objects.filter(pk=project.pk).exists()


# Reviewer independence ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["service", "admin button", "admin bulk action"])
@pytest.mark.parametrize(("reviewer", "allowed"), [("committee", False), ("committee2", True)])
def test_check_reviewer_independent(client, team, path, reviewer, allowed):
    # The import writes no review: its paths are the service, the project page's button and
    # the list's action. "committee" edited the project last.
    project = ProjectFactory()
    services.project_submit(project=project, user=team["focal"])
    Project.objects.filter(pk=project.pk).update(last_edited_by=team["committee"])
    project.refresh_from_db()
    user = team[reviewer]
    assert rules.may_review_project(user, project) is allowed
    if path == "service":
        try:
            reviews.review_open(project=project, user=user)
        except PermissionDenied:
            pass
    else:
        client.force_login(user)
        if path == "admin button":
            url = reverse("admin:catalogue_project_workflow", args=[project.pk, "review"])
            client.post(url)
        else:
            client.post(
                reverse("admin:catalogue_project_changelist"),
                {"action": "open_reviews", "_selected_action": [project.pk], "confirm": "yes"},
            )
    assert project.reviews.exists() is allowed, (path, reviewer)


# Optimistic locking ------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("stale", "allowed"), [(True, False), (False, True)])
def test_check_lock_version(client, team, path, stale, allowed):
    project = ProjectFactory()
    seen = project.lock_version
    if stale:  # someone saved it after it was read
        services.project_save(project=Project.objects.get(pk=project.pk), user=team["root"])
    saved = edit(path, client, team["editor"], project, {"title_fr": "Le mien"}, edit_version=seen)
    assert saved is allowed, (path, stale)
    assert (Project.objects.get(pk=project.pk).title_fr == "Le mien") is allowed


# The import template's example reference --------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_check_not_example_reference(client, team, path):
    editor = team["editor"]
    gabes = Municipality.objects.get(code="5111")
    values = {"title_fr": "Exemple", "summary_fr": "Résumé."}
    if path == "service":
        project = Project(reference=rules.EXAMPLE_REFERENCE, municipality=gabes, **values)
        with pytest.raises(ValidationError):
            services.project_save(project=project, user=editor)
    elif path == "admin":
        client.force_login(editor)
        page = client.get(reverse("admin:catalogue_project_add"))
        data = {**form_data(page), **values}
        data.update(reference=rules.EXAMPLE_REFERENCE, municipality=str(gabes.pk))
        assert client.post(reverse("admin:catalogue_project_add"), data).status_code != 302
    else:
        row = {"reference": rules.EXAMPLE_REFERENCE, "municipality": "5111", **values}
        result = import_projects(csv_file(row), user=editor, dry_run=False, name="t.csv")
        assert [(e.line, e.column) for e in result.errors] == [(2, "reference")]
    assert not Project.objects.filter(reference=rules.EXAMPLE_REFERENCE).exists()


# Workflow steps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "step", "allowed"),
    [
        ("focal", Status.DRAFT, "submit", True),
        ("focal", Status.SUBMITTED, "submit", False),
        ("focal", Status.PUBLISHED, "publish", False),
        ("editor", Status.ELIGIBLE, "publish", True),
        ("editor", Status.PUBLISHED, "withdraw", True),
        ("editor", Status.DRAFT, "withdraw", False),
        ("committee2", Status.SUBMITTED, "review", True),
        ("committee2", Status.IN_REVIEW, "decide", True),
        ("editor", Status.IN_REVIEW, "decide", False),
        ("focal", Status.PUBLISHED, "confirm_current", True),
        ("other_focal", Status.PUBLISHED, "confirm_current", False),
    ],
)
def test_may_take_step(team, role, status, step, allowed):
    project = ProjectFactory(status=status, published=status == Status.PUBLISHED)
    assert rules.may_take_step(team[role], project, step) is allowed
