"""Fill the new public-record fields from what the database already knows.

- Each project's screening status is its latest decided review (or "not yet screened").
- The projects shipped from the 2020 article were given the model's defaults for their
  stage and contract model, which no source states: they become "not stated", unless
  staff have changed them since.
- The article speaks of one free commercial zone, at Hazoua; the shipped Mahrès free
  zone (MAH-2020-001) was a reading of it, not a fact it states. It is removed when
  nobody has worked on it (no review, no workflow step, never
  edited by anyone: the shipped data load has no user).
"""

from django.db import migrations

SHIPPED = ("GAB-2020-001", "GAB-2020-002", "SFA-2020-001", "HAZ-2020-001", "MAH-2020-002")
MISREAD = "MAH-2020-001"


def forwards(apps, schema_editor):
    Project = apps.get_model("catalogue", "Project")
    ProjectReview = apps.get_model("catalogue", "ProjectReview")
    HistoricalProject = apps.get_model("catalogue", "HistoricalProject")
    latest = {}
    for review in ProjectReview.objects.exclude(decision="").order_by("project_id", "version"):
        latest[review.project_id] = review
    for project_id, review in latest.items():
        Project.objects.filter(pk=project_id).update(
            screening=review.decision, screened_at=review.decided_at, screening_score=review.score
        )
    for project in Project.objects.filter(reference__in=SHIPPED):
        edited = HistoricalProject.objects.filter(
            id=project.pk, history_user__isnull=False
        ).exists()
        changes = {}
        if project.stage == "prospective" and not edited:
            changes["stage"] = ""
        if project.contract_model == "tbd" and not edited:
            changes["contract_model"] = ""
        if changes:
            Project.objects.filter(pk=project.pk).update(**changes)
    misread = Project.objects.filter(reference=MISREAD).first()
    if (
        misread is not None
        and not misread.reviews.exists()
        and not misread.transitions.exists()
        and not HistoricalProject.objects.filter(id=misread.pk, history_user__isnull=False).exists()
    ):
        HistoricalProject.objects.filter(id=misread.pk).delete()
        misread.delete()


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0010_sources_screening_verification")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
