"""The permission matrix of the admin: each role × each operation, in and out of scope.

In scope: a project of Gabès (the focal point's municipality). Out of scope: one of Sfax.
Out-of-scope objects are 404 for a focal point; a refused operation changes nothing.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalogue.models import Project, ProjectDocument, ProjectImage
from catalogue.register.choices import Status
from municipalities.models import Municipality
from tests.factories import ProjectFactory, image_file, pdf_file
from tests.helpers import change_form_data

pytestmark = pytest.mark.django_db

ROLES = ["editor", "committee", "focal", "root"]


@pytest.fixture
def projects():
    return {
        "in": ProjectFactory(reference="GAB-2025-101", title_fr="Projet de Gabès"),
        "out": ProjectFactory(
            reference="SFA-2025-101",
            title_fr="Projet de Sfax",
            municipality=Municipality.objects.get(code="3411"),
        ),
    }


def login(client, user):
    client.force_login(user)
    return client


EXPECTED_VIEW = {
    # role: (in scope, out of scope) status codes of the change page
    "editor": (200, 200),
    "committee": (200, 200),
    "focal": (200, 404),
    "root": (200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_view(client, team, projects, role):
    login(client, team[role])
    for scope, expected in zip(("in", "out"), EXPECTED_VIEW[role], strict=True):
        url = reverse("admin:catalogue_project_change", args=[projects[scope].pk])
        assert client.get(url).status_code == expected, scope
    listing = client.get(reverse("admin:catalogue_project_changelist")).text
    assert "Projet de Gabès" in listing
    assert ("Projet de Sfax" in listing) == (role != "focal")
    history = reverse("admin:catalogue_project_history", args=[projects["out"].pk])
    assert client.get(history).status_code == (404 if role == "focal" else 200)


@pytest.mark.parametrize(
    "role, expected", [("editor", 200), ("committee", 403), ("focal", 200), ("root", 200)]
)
def test_add(client, team, role, expected):
    login(client, team[role])
    assert client.get(reverse("admin:catalogue_project_add")).status_code == expected


EXPECTED_CHANGE = {
    # role: (in scope, out of scope): saved, refused (403) or not found (404)
    "editor": ("saved", "saved"),
    "committee": (403, 403),
    "focal": ("saved", 404),
    "root": ("saved", "saved"),
}


@pytest.mark.parametrize("role", ROLES)
def test_change(client, team, projects, role):
    # The data comes from the page a superuser sees; each role then posts it.
    root = login(client, team["root"])
    forms = {}
    for scope in ("in", "out"):
        url = reverse("admin:catalogue_project_change", args=[projects[scope].pk])
        forms[scope] = (url, change_form_data(root.get(url)))
    login(client, team[role])
    for scope, expected in zip(("in", "out"), EXPECTED_CHANGE[role], strict=True):
        url, data = forms[scope]
        data["title_fr"] = f"Nouveau titre {scope}"
        response = client.post(url, data)
        title = Project.objects.get(pk=projects[scope].pk).title_fr
        if expected == "saved":
            assert response.status_code == 302, (
                response.context and response.context["adminform"].form.errors
            )
            assert title == f"Nouveau titre {scope}"
        else:
            assert response.status_code == expected, scope
            assert title != f"Nouveau titre {scope}"


def test_a_focal_point_cannot_move_a_project_to_another_municipality(client, team, projects):
    login(client, team["focal"])
    url = reverse("admin:catalogue_project_change", args=[projects["in"].pk])
    data = change_form_data(client.get(url))
    data["municipality"] = str(Municipality.objects.get(code="3411").pk)
    response = client.post(url, data)
    assert response.status_code == 200  # the form is shown again with an error
    assert "municipality" in response.context["adminform"].form.errors
    assert Project.objects.get(pk=projects["in"].pk).municipality.code == "5111"


def test_a_focal_point_cannot_edit_a_submitted_project(client, team, projects):
    Project.objects.filter(pk=projects["in"].pk).update(status=Status.SUBMITTED)
    login(client, team["focal"])
    url = reverse("admin:catalogue_project_change", args=[projects["in"].pk])
    response = client.get(url)
    assert response.status_code == 200 and not response.context["has_change_permission"]
    assert client.post(url, {"title_fr": "x"}).status_code == 403


EXPECTED_DELETE = {
    "editor": (200, 200),
    "committee": (403, 403),
    "focal": (403, 404),
    "root": (200, 200),
}


@pytest.mark.parametrize("role", ROLES)
def test_delete(client, team, projects, role):
    login(client, team[role])
    for scope, expected in zip(("in", "out"), EXPECTED_DELETE[role], strict=True):
        url = reverse("admin:catalogue_project_delete", args=[projects[scope].pk])
        assert client.get(url).status_code == expected, scope


def test_a_published_project_is_never_deleted_except_by_a_superuser(client, team):
    project = ProjectFactory(published=True)
    url = reverse("admin:catalogue_project_delete", args=[project.pk])
    assert login(client, team["editor"]).get(url).status_code == 403
    assert login(client, team["root"]).get(url).status_code == 200


# Each transition: the action, the status it starts from, the status it leads to.
TRANSITIONS = {
    "submit": ("submit_projects", Status.DRAFT, Status.SUBMITTED),
    "review": ("open_reviews", Status.SUBMITTED, Status.IN_REVIEW),
    "publish": ("publish_projects", Status.ELIGIBLE, Status.PUBLISHED),
    "withdraw": ("withdraw_projects", Status.PUBLISHED, Status.WITHDRAWN),
    "restore": ("restore_projects", Status.WITHDRAWN, Status.PUBLISHED),
}
ALLOWED = {
    # role: transitions allowed (in scope; a focal point has no out-of-scope objects)
    "editor": {"submit", "publish", "withdraw", "restore"},
    "committee": {"review"},
    "focal": {"submit"},
    "root": {"submit", "review", "publish", "withdraw", "restore"},
}


def prepare(project, status, team):
    """Put a project in ``status`` the way the workflow would."""
    from catalogue.register import reviews
    from catalogue.register.choices import Decision

    if status not in (Status.ELIGIBLE, Status.PUBLISHED, Status.WITHDRAWN):
        Project.objects.filter(pk=project.pk).update(status=status)
    else:
        Project.objects.filter(pk=project.pk).update(status=Status.SUBMITTED)
        review = reviews.review_open(project=project, user=team["root"])
        review.gates.update(passed=True, comment="ok")
        review.scores.update(score=4)
        review.public_summary_fr = "Éligible."
        review.save()
        reviews.review_decide(review=review, user=team["root"], decision=Decision.ELIGIBLE_PPP)
        Project.objects.filter(pk=project.pk).update(
            status=status, published_at="2024-01-01T00:00Z", withdrawn_reason="x"
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", list(TRANSITIONS))
@pytest.mark.parametrize("scope", ["in", "out"])
def test_transitions(client, team, projects, role, transition, scope):
    action, start, end = TRANSITIONS[transition]
    project = projects[scope]
    prepare(project, start, team)
    login(client, team[role])
    data = {
        "action": action,
        "_selected_action": [project.pk],
        "confirm": "yes",
        "reason": "Doublon",
    }
    response = client.post(reverse("admin:catalogue_project_changelist"), data)
    assert response.status_code in (200, 302)
    status = Project.objects.get(pk=project.pk).status
    allowed = transition in ALLOWED[role] and not (role == "focal" and scope == "out")
    assert status == (end if allowed else start), (role, transition, scope)


def test_a_transition_asks_for_confirmation_first(client, team, projects):
    login(client, team["editor"])
    data = {"action": "submit_projects", "_selected_action": [projects["in"].pk]}
    response = client.post(reverse("admin:catalogue_project_changelist"), data)
    assert response.status_code == 200
    assert "confirm" in response.text
    assert Project.objects.get(pk=projects["in"].pk).status == Status.DRAFT


def test_a_stale_edit_is_refused(client, team, projects):
    login(client, team["editor"])
    url = reverse("admin:catalogue_project_change", args=[projects["in"].pk])
    first = change_form_data(client.get(url))
    second = dict(first)
    first["title_fr"] = "Première modification"
    assert client.post(url, first).status_code == 302
    second["title_fr"] = "Modification concurrente"
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Someone else saved this project" in response.text or "Quelqu" in response.text
    assert Project.objects.get(pk=projects["in"].pk).title_fr == "Première modification"


def test_the_history_of_an_admin_edit_keeps_old_and_new_values_and_who(client, team, projects):
    login(client, team["editor"])
    url = reverse("admin:catalogue_project_change", args=[projects["in"].pk])
    data = change_form_data(client.get(url))
    data["title_fr"] = "Titre corrigé"
    client.post(url, data)
    latest, previous = projects["in"].history.all()[:2]
    change = next(c for c in latest.diff_against(previous).changes if c.field == "title_fr")
    assert (change.old, change.new) == ("Projet de Gabès", "Titre corrigé")
    assert latest.history_user == team["editor"]
    page = client.get(reverse("admin:catalogue_project_history", args=[projects["in"].pk]))
    assert page.status_code == 200 and "Titre corrigé" in page.text


def test_the_confirmation_page_keeps_large_ids_intact(client, team):
    project = ProjectFactory(pk=12345)
    login(client, team["editor"])
    url = reverse("admin:catalogue_project_changelist")
    page = client.post(
        url,
        {"action": "submit_projects", "_selected_action": [project.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert 'value="12345"' in page.text  # not "12,345": the id goes back in the form
    client.post(
        url,
        {"action": "submit_projects", "_selected_action": ["12345"], "confirm": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert Project.objects.get(pk=12345).status == Status.SUBMITTED


# Photos and documents ------------------------------------------------------------------
# They follow their project: out of scope they are 404; a focal point adds, changes and
# deletes them only while their project is a draft or waits for information.

CHILDREN = {
    "image": ("catalogue_projectimage", "caption_fr"),
    "document": ("catalogue_projectdocument", "title_fr"),
}


def make_child(kind, project):
    if kind == "image":
        return project.images.create(image=image_file(), caption_fr="Vue d'origine")
    return project.documents.create(file=pdf_file(), title_fr="Étude d'origine")


def child_data(kind, project, text):
    """The POST data of a photo's or a document's add or change form."""
    if kind == "image":
        return {"project": project.pk, "image": image_file(), "caption_fr": text, "position": 0}
    return {
        "project": project.pk,
        "file": pdf_file(),
        "title_fr": text,
        "title_ar": "دراسة",
        "title_en": "Study",
        "document_type": "feasibilityStudy",
        "is_public": "on",
        "position": 0,
    }


def child_text(kind, child):
    child = type(child).objects.get(pk=child.pk)
    return child.caption_fr if kind == "image" else child.title_fr


def project_in(status, code="5111"):
    return ProjectFactory(
        status=status,
        municipality=Municipality.objects.get(code=code),
        published_at="2024-01-01T00:00Z" if status == Status.PUBLISHED else None,
    )


# role, project municipality, project status → change page answer (saved / 403 / 404)
CHILD_CHANGE_CASES = [
    ("focal", "5111", Status.DRAFT, "saved"),
    ("focal", "5111", Status.NEEDS_INFORMATION, "saved"),
    ("focal", "5111", Status.SUBMITTED, 403),
    ("focal", "5111", Status.IN_REVIEW, 403),
    ("focal", "5111", Status.PUBLISHED, 403),
    ("focal", "3411", Status.DRAFT, 404),
    ("focal", "3411", Status.PUBLISHED, 404),
    ("editor", "5111", Status.PUBLISHED, "saved"),
    ("editor", "3411", Status.SUBMITTED, "saved"),
    ("root", "3411", Status.PUBLISHED, "saved"),
    ("committee", "5111", Status.DRAFT, 403),
]


@pytest.mark.parametrize("kind", list(CHILDREN))
@pytest.mark.parametrize("role, code, status, expected", CHILD_CHANGE_CASES)
def test_photo_and_document_change(client, team, kind, role, code, status, expected):
    admin_name, _field = CHILDREN[kind]
    project = project_in(status, code)
    child = make_child(kind, project)
    login(client, team[role])
    url = reverse(f"admin:{admin_name}_change", args=[child.pk])
    page = client.get(url)
    response = client.post(url, child_data(kind, project, "Texte modifié"))
    if expected == "saved":
        assert page.status_code == 200 and page.context["has_change_permission"]
        assert response.status_code == 302, (
            response.context and response.context["adminform"].form.errors
        )
        assert child_text(kind, child) == "Texte modifié"
        return
    if expected == 404:
        assert page.status_code == 404
    elif role == "focal":
        # Their own project, no longer editable: seen, read only.
        assert page.status_code == 200 and not page.context["has_change_permission"]
    assert response.status_code == expected
    assert child_text(kind, child) != "Texte modifié"


@pytest.mark.parametrize("kind", list(CHILDREN))
@pytest.mark.parametrize(
    "role, code, status, expected",
    [
        ("focal", "5111", Status.DRAFT, 200),
        ("focal", "5111", Status.SUBMITTED, 403),
        ("focal", "5111", Status.PUBLISHED, 403),
        ("focal", "3411", Status.DRAFT, 404),
        ("editor", "3411", Status.PUBLISHED, 200),
        ("committee", "5111", Status.DRAFT, 403),
    ],
)
def test_photo_and_document_delete(client, team, kind, role, code, status, expected):
    admin_name, _field = CHILDREN[kind]
    child = make_child(kind, project_in(status, code))
    login(client, team[role])
    url = reverse(f"admin:{admin_name}_delete", args=[child.pk])
    assert client.get(url).status_code == expected
    response = client.post(url, {"post": "yes"})
    assert response.status_code == (302 if expected == 200 else expected)
    assert type(child).objects.filter(pk=child.pk).exists() == (expected != 200)


@pytest.mark.parametrize("kind", list(CHILDREN))
def test_a_focal_point_cannot_bulk_delete_photos_of_a_published_project(client, team, kind):
    admin_name, _field = CHILDREN[kind]
    child = make_child(kind, project_in(Status.PUBLISHED))
    login(client, team["focal"])
    response = client.post(
        reverse(f"admin:{admin_name}_changelist"),
        {"action": "delete_selected", "_selected_action": [child.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert type(child).objects.filter(pk=child.pk).exists()


@pytest.mark.parametrize("kind", list(CHILDREN))
def test_photos_and_documents_of_another_municipality_are_not_found(client, team, kind):
    admin_name, _field = CHILDREN[kind]
    child = make_child(kind, project_in(Status.PUBLISHED, "3411"))
    login(client, team["focal"])
    for view in ("change", "delete", "history"):
        url = reverse(f"admin:{admin_name}_{view}", args=[child.pk])
        assert client.get(url).status_code == 404, view
    listing = client.get(reverse(f"admin:{admin_name}_changelist"))
    assert child.pk not in [obj.pk for obj in listing.context["cl"].result_list]


# role, project municipality, project status → may a photo or document be added to it
CHILD_ADD_CASES = [
    ("focal", "5111", Status.DRAFT, True),
    ("focal", "5111", Status.NEEDS_INFORMATION, True),
    ("focal", "5111", Status.SUBMITTED, False),
    ("focal", "5111", Status.IN_REVIEW, False),
    ("focal", "5111", Status.PUBLISHED, False),
    ("focal", "3411", Status.DRAFT, False),
    ("focal", "3411", Status.PUBLISHED, False),
    ("editor", "3411", Status.PUBLISHED, True),
    ("root", "5111", Status.SUBMITTED, True),
]


@pytest.mark.parametrize("kind", list(CHILDREN))
@pytest.mark.parametrize("role, code, status, allowed", CHILD_ADD_CASES)
def test_photo_and_document_add_by_post(client, team, kind, role, code, status, allowed):
    """Posting another project's id by hand does not get round the choices offered."""
    admin_name, _field = CHILDREN[kind]
    project = project_in(status, code)
    login(client, team[role])
    response = client.post(reverse(f"admin:{admin_name}_add"), child_data(kind, project, "Ajout"))
    model = ProjectImage if kind == "image" else ProjectDocument
    if allowed:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert model.objects.filter(project=project).count() == 1
    else:
        assert response.status_code == 200  # the form again, with an error on the project
        assert "project" in response.context["adminform"].form.errors
        assert not model.objects.filter(project=project).exists()


def test_the_project_choices_of_a_photo_are_the_projects_one_may_edit(client, team):
    mine = project_in(Status.DRAFT)
    sent = project_in(Status.SUBMITTED)
    theirs = project_in(Status.DRAFT, "3411")
    login(client, team["focal"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalogue", "model_name": "projectimage", "field_name": "project"},
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert mine.pk in ids and sent.pk not in ids and theirs.pk not in ids
    # The project list's own search is unchanged: the focal point still sees "sent".
    listing = client.get(reverse("admin:catalogue_project_changelist"))
    assert sent.pk in [p.pk for p in listing.context["cl"].result_list]
    login(client, team["editor"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "catalogue", "model_name": "projectdocument", "field_name": "project"},
    )
    ids = {int(row["id"]) for row in response.json()["results"]}
    assert {mine.pk, sent.pk, theirs.pk} <= ids


@pytest.mark.parametrize(
    "status, editable", [(Status.DRAFT, True), (Status.SUBMITTED, False), (Status.PUBLISHED, False)]
)
def test_the_photo_and_document_inlines_of_a_project_follow_its_status(
    client, team, status, editable
):
    project = project_in(status)
    make_child("image", project)
    make_child("document", project)
    login(client, team["focal"])
    page = client.get(reverse("admin:catalogue_project_change", args=[project.pk]))
    inlines = {
        inline.formset.model: inline
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model in (ProjectImage, ProjectDocument)
    }
    assert set(inlines) == {ProjectImage, ProjectDocument}
    for inline in inlines.values():
        assert inline.has_add_permission == editable
        assert inline.has_change_permission == editable
        assert inline.has_delete_permission == editable
    # The editor keeps every right on the same project.
    login(client, team["editor"])
    page = client.get(reverse("admin:catalogue_project_change", args=[project.pk]))
    for inline in page.context["inline_admin_formsets"]:
        if inline.formset.model in (ProjectImage, ProjectDocument):
            assert inline.has_add_permission and inline.has_change_permission


# A focal point not attached to a municipality ------------------------------------------


@pytest.fixture
def unattached(make_user):
    from catalogue.register.roles import FOCAL_POINT

    return make_user("focal_sans_commune", FOCAL_POINT)


def test_a_focal_point_without_a_municipality_sees_nothing_and_is_told_why(
    client, unattached, projects
):
    make_child("image", projects["in"])
    make_child("document", projects["out"])
    login(client, unattached)
    for admin_name in ("catalogue_project", "catalogue_projectimage", "catalogue_projectdocument"):
        listing = client.get(reverse(f"admin:{admin_name}_changelist"), HTTP_ACCEPT_LANGUAGE="en")
        assert listing.status_code == 200
        assert list(listing.context["cl"].result_list) == [], admin_name
        assert "not attached to a municipality yet" in listing.text
    for scope in ("in", "out"):
        url = reverse("admin:catalogue_project_change", args=[projects[scope].pk])
        assert client.get(url).status_code == 404
    home = client.get(reverse("admin:index"))
    assert "Projet de Gabès" not in home.text


def test_a_focal_point_without_a_municipality_cannot_add_anything(client, unattached, projects):
    from catalogue.register import services

    login(client, unattached)
    assert client.get(reverse("admin:catalogue_project_add")).status_code == 403
    data = {
        "reference": "GAB-2025-999",
        "title_fr": "Projet sans commune",
        "municipality": projects["in"].municipality_id,
    }
    assert client.post(reverse("admin:catalogue_project_add"), data).status_code == 403
    assert not Project.objects.filter(reference="GAB-2025-999").exists()
    for kind, (admin_name, _field) in CHILDREN.items():
        assert client.get(reverse(f"admin:{admin_name}_add")).status_code == 403
        response = client.post(
            reverse(f"admin:{admin_name}_add"), child_data(kind, projects["in"], "Ajout")
        )
        assert response.status_code == 403
    assert not ProjectImage.objects.exists() and not ProjectDocument.objects.exists()
    assert client.get(reverse("admin:catalogue_project_import")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.project_submit(project=projects["in"], user=unattached)
    assert Project.objects.get(pk=projects["in"].pk).status == Status.DRAFT
