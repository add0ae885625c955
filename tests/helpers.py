"""Helpers that tests of several packages share: what a user posts back from an admin
page, a project taken into review by the committee, the rows of a spreadsheet to import,
the URL of the test database for the processes a test starts. (Rows of the database:
tests.factories.)"""

import csv
import io
import re
from urllib.parse import quote

from django.db import connection

from catalogue.register import reviews, services
from tests.factories import ProjectFactory


def change_form_data(response):
    """The POST data a user would send back from an admin change page (or a history
    version page, which has no inlines), unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for inline in response.context.get("inline_admin_formsets") or []:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = subform[name].value()
                if value not in (None, False):
                    data[subform.add_prefix(name)] = "on" if value is True else str(value)
    return data


def history_changes(html: str) -> list[tuple[str, str, str]]:
    """The (field, old, new) lines of an admin history page, whitespace squeezed."""
    lines = re.findall(
        r"<li>\s*<strong>(.*?):</strong>(.*?)&nbsp;&rarr;&nbsp;(?:&nbsp;)?(.*?)\s*</li>",
        html,
        flags=re.S,
    )
    # Each value is isolated in a <bdi> (its own text direction): its text only.
    return [
        tuple(" ".join(re.sub(r"</?bdi>", "", part).split()) for part in line) for line in lines
    ]


def to_review(team, project=None):
    """A project (a new one by default) submitted by the focal point of the ``team``
    fixture and taken into review by a committee member: (project, its open review)."""
    project = project or ProjectFactory()
    services.project_submit(project=project, user=team["focal"])
    review = reviews.review_open(project=project, user=team["committee"])
    return project, review


def fill(review, *, score=4, passed=True, summary="Projet éligible."):
    """Score every criterion and pass (or fail) every gate, with comments."""
    review.gates.update(passed=passed, comment="Vérifié sur pièces.")
    review.scores.update(score=score, comment="Noté en comité.")
    review.public_summary_fr = summary
    review.save()
    return reviews.review_refresh_score(review)


def write_csv(rows: list[dict], headers=None, *, delimiter=",") -> bytes:
    """A CSV file of ``rows`` (columns: ``headers``, or every key in order of appearance)."""
    buffer = io.StringIO()
    headers = headers or list(dict.fromkeys(key for row in rows for key in row))
    writer = csv.DictWriter(buffer, fieldnames=headers, delimiter=delimiter, restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def read_csv(data: bytes) -> list[dict]:
    """The rows of a CSV file (with or without a byte order mark)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def new_row(reference, **values) -> dict:
    """A spreadsheet row of a new project of Gabès, with ``values`` for other columns."""
    return {
        "reference": reference,
        "title_fr": f"Projet importé {reference}",
        "summary_fr": "Un projet venu d'un tableur de la caravane.",
        "municipality": "5111",
        **values,
    }


def database_url() -> str:
    """The URL of the test database this process uses (pytest-django's ``test_<name>``),
    for the servers and workers a test starts."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{quote(host, safe='')}{port}/{quote(db['NAME'], safe='')}"
