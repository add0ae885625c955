from django.db import migrations, models

TRIGRAM_INDEX = "catalogue_project_search_trgm"


def create_trigram_index(apps, schema_editor):
    """On PostgreSQL, index the search text for LIKE '%word%' lookups (pg_trgm)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON catalogue_project "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="search_text",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="Normalised text that the catalogue's search looks into.",
                verbose_name="search text",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
