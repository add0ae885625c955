"""Each translated field of the admin is typed in its language's direction, whatever the
admin's language: the Arabic box right to left, the French and English ones left to right."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from catalogue.models import ProjectReview
from smartcities.core.admin_widgets import LanguageDirectionMixin, field_language, language_attrs
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

EXPECTED = {"ar": "rtl", "fr": "ltr", "en": "ltr"}


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 16)
    client.force_login(user)
    return client


def boxes(html: str) -> dict[str, str]:
    """The opening tag of each input and textarea of a page, by its name."""
    tags = re.findall(r"<(?:input|textarea)\b[^>]*>", html)
    return {re.search(r'\bname="([^"]+)"', tag)[1]: tag for tag in tags if 'name="' in tag}


def assert_directed(tag: str, language: str):
    assert f'lang="{language}"' in tag, tag
    assert f'dir="{EXPECTED[language]}"' in tag, tag


@pytest.mark.parametrize("admin_language", ["fr", "ar", "en"])
def test_project_form_boxes_follow_their_language_in_every_admin_language(
    staff_client, admin_language
):
    project = ProjectFactory()
    url = reverse("admin:catalogue_project_change", args=[project.pk])
    response = staff_client.get(url, headers={"accept-language": admin_language})
    assert response.status_code == 200
    html = response.content.decode()
    # The admin page itself keeps the admin's language and direction.
    page_dir = "rtl" if admin_language == "ar" else "ltr"
    assert re.search(rf'<html[^>]*lang="{admin_language}"[^>]*dir="{page_dir}"', html)
    found = boxes(html)
    for field in ("title", "summary", "description"):
        for language in ("fr", "ar", "en"):
            assert_directed(found[f"{field}_{language}"], language)
    # Inline rows (photos, documents): the empty form's boxes too.
    assert_directed(found["images-__prefix__-caption_ar"], "ar")
    assert_directed(found["documents-__prefix__-title_fr"], "fr")
    # A field that is not translated takes the page's direction: no attribute of its own.
    assert "dir=" not in found["reference"]


def test_review_form_boxes_follow_their_language_in_the_arabic_admin(staff_client, admin_user):
    review = ProjectReview.objects.create(project=ProjectFactory(), version=1, reviewer=admin_user)
    url = reverse("admin:catalogue_projectreview_change", args=[review.pk])
    response = staff_client.get(url, headers={"accept-language": "ar"})
    assert response.status_code == 200
    found = boxes(response.content.decode())
    assert_directed(found["public_summary_fr"], "fr")
    assert_directed(found["public_summary_ar"], "ar")


def test_municipality_form_in_the_french_admin_types_arabic_right_to_left(staff_client):
    response = staff_client.get(reverse("admin:municipalities_municipality_add"))
    found = boxes(response.content.decode())
    assert_directed(found["name_ar"], "ar")
    assert_directed(found["name_fr"], "fr")


def test_every_admin_with_translated_fields_directs_them():
    """A new admin or inline of a model with translated fields cannot forget the mixin
    (a list of read-only rows, where nothing is typed, aside)."""
    missing = []
    for model, model_admin in admin.site._registry.items():
        for owner in [type(model_admin), *model_admin.inlines]:
            target = model if owner is type(model_admin) else owner.model
            typed = [
                f.name
                for f in target._meta.get_fields()
                if field_language(f)
                and f.name not in owner.readonly_fields
                and (owner.fields is None or f.name in owner.fields)
            ]
            if typed and not issubclass(owner, LanguageDirectionMixin):
                missing.append(owner.__name__)
    assert missing == []


def test_language_attributes_come_from_django_language_info():
    assert language_attrs("ar") == {"lang": "ar", "dir": "rtl"}
    assert language_attrs("fr") == {"lang": "fr", "dir": "ltr"}
    # An unknown language gets its lang but no guessed direction.
    assert language_attrs("zz") == {"lang": "zz"}


def test_the_direction_does_not_depend_on_the_active_language():
    from catalogue.models import Project

    model_admin = admin.site._registry[Project]
    field = Project._meta.get_field("title_ar")
    with translation.override("fr"):
        french = model_admin.formfield_for_dbfield(field, request=None)
    with translation.override("ar"):
        arabic = model_admin.formfield_for_dbfield(field, request=None)
    assert french.widget.attrs["dir"] == arabic.widget.attrs["dir"] == "rtl"
