"""Expressions of interest: the public form, what is stored and sent, the admin inbox."""

import pytest
from django.core import mail

from catalogue.engagement.choices import InterestStatus
from catalogue.engagement.models import ExpressionOfInterest
from catalogue.register.choices import Stage
from catalogue.register.roles import EDITOR
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def form_url(project, language="fr"):
    return f"/{language}/catalogue/{project.reference}/interest/"


def test_an_expression_of_interest_is_stored_acknowledged_notified_and_in_the_scoped_inbox(
    client, project, interest_data, post_committed, team
):
    response = post_committed(form_url(project), interest_data)

    assert response.status_code == 302
    assert response.url == f"/fr/catalogue/{project.reference}/interest/sent/"
    interest = ExpressionOfInterest.objects.get()
    assert interest.project == project
    assert interest.organisation == "Sahel Énergies SA"
    assert interest.language == "fr"
    assert interest.status == InterestStatus.NEW
    # The investor's acknowledgement, then the focal point of Gabès and the editor.
    by_recipient = {tuple(message.to): message for message in mail.outbox}
    assert set(by_recipient) == {
        ("amel@sahel-energies.tn",),
        (team["focal"].email,),
        (team["editor"].email,),
    }
    acknowledgement = by_recipient[("amel@sahel-energies.tn",)]
    assert project.reference in acknowledgement.subject
    assert "https://smartcities.example.tn/fr/catalogue/TST-2025-900/" in acknowledgement.body
    notification = by_recipient[(team["focal"].email,)]
    assert notification.reply_to == ["amel@sahel-energies.tn"]
    assert "Sahel Énergies SA" in notification.subject
    assert "l'étude de faisabilité" in notification.body
    assert "/admin/engagement/expressionofinterest/" in notification.body

    # The inbox: the focal point of Gabès sees it, the one of Sfax does not (404).
    change_url = f"/admin/engagement/expressionofinterest/{interest.pk}/change/"
    client.force_login(team["focal"])
    assert "Sahel" in client.get("/admin/engagement/expressionofinterest/").text
    assert client.get(change_url).status_code == 200
    client.force_login(team["other_focal"])
    listing = client.get("/admin/engagement/expressionofinterest/")
    assert listing.status_code == 200
    assert "Sahel" not in listing.text
    assert client.get(change_url).status_code == 404
    client.force_login(team["editor"])
    assert "Sahel" in client.get("/admin/engagement/expressionofinterest/").text


def test_the_project_page_shows_the_count_never_who(client, project, interest_data, post_committed):
    post_committed(form_url(project), interest_data)
    page = client.get(f"/fr/catalogue/{project.reference}/")
    assert page.status_code == 200
    assert "<strong>1</strong>" in page.text
    assert form_url(project) in page.text
    assert f"/fr/catalogue/{project.reference}/follow/" in page.text
    assert "Sahel" not in page.text and "amel@" not in page.text


def test_a_project_past_procurement_takes_no_expression_of_interest(client, interest_data):
    awarded = ProjectFactory(published=True, stage=Stage.AWARDED)
    assert client.get(form_url(awarded)).status_code == 404
    assert client.post(form_url(awarded), interest_data).status_code == 404
    page = client.get(f"/fr/catalogue/{awarded.reference}/")
    assert form_url(awarded) not in page.text  # the button is not offered
    assert not ExpressionOfInterest.objects.exists()


def test_a_draft_project_is_not_found(client, interest_data):
    draft = ProjectFactory(stage=Stage.PLANNING)
    assert client.get(form_url(draft)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"organisation": "x" * 201}, "organisation", "at most 200 characters"),
        ({"message": "x" * 2001}, "message", "at most 2000 characters"),
        ({"name": "Amel\u202eevil"}, "name", "direction-changing"),
        ({"message": "Bonjour \u2066caché\u2069"}, "message", "direction-changing"),
        ({"name": "Amel\r\nBcc: victim@example.com"}, "name", "Line breaks"),
        ({"organisation": "Sahel\nSubject: spam"}, "organisation", "Line breaks"),
        ({"email": "amel@sahel\n.tn"}, "email", "valid email"),
        ({"email": "not-an-address"}, "email", "valid email"),
        ({"email": "a@b.tn\r\nBcc: x@y.tn"}, "email", "valid email"),
        ({"consent": ""}, "consent", "Agree to share"),
        ({"investor_kind": "pirate"}, "investor_kind", "Select a valid choice"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(
    client, project, interest_data, post_committed, english, changes, field, message
):
    response = post_committed(form_url(project, "en"), {**interest_data, **changes})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message.split()[0] in response.text
    assert not ExpressionOfInterest.objects.exists()
    assert mail.outbox == []


def test_the_hidden_field_and_a_form_sent_too_fast_are_refused(
    client, project, interest_data, post_committed, settings, english
):
    robot = post_committed(form_url(project, "en"), {**interest_data, "website": "http://spam"})
    assert robot.status_code == 400
    assert "could not be accepted" in robot.text

    settings.ENGAGEMENT_MIN_FILL_SECONDS = 30
    fast = post_committed(form_url(project, "en"), interest_data)  # stamped just now
    assert fast.status_code == 400
    forged = post_committed(form_url(project, "en"), {**interest_data, "started": "12345"})
    assert forged.status_code == 400
    assert not ExpressionOfInterest.objects.exists()
    assert mail.outbox == []


def test_every_email_escapes_what_the_visitor_typed(project, interest_data, post_committed, team):
    hostile = "<script>alert(1)</script><b>bold</b> & <a href='x'>"
    post_committed(
        form_url(project),
        {**interest_data, "organisation": "<img src=x onerror=alert(1)>", "message": hostile},
    )
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        html = message.alternatives[0].content
        assert "<script>" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        # The text version is plain text: kept as typed, never HTML-escaped.
        assert hostile in message.body


def test_a_flood_of_1000_posts_stores_and_sends_at_most_the_rate_limit(
    client, project, interest_data, settings, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_RATE_LIMITS = {"per_ip": 10, "per_address": 5, "window_seconds": 3600}
    statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(1000):
            # A new address each time: only the limit per IP can stop them.
            data = {**interest_data, "email": f"bot{number}@flood.example"}
            statuses.append(client.post(form_url(project), data).status_code)
    assert statuses.count(302) == 10
    assert statuses.count(429) == 990
    assert ExpressionOfInterest.objects.count() == 10
    assert len([m for m in mail.outbox if m.to[0].endswith("@flood.example")]) == 10


def test_the_limit_per_address_holds_across_ips(
    client, project, interest_data, settings, post_committed
):
    settings.ENGAGEMENT_RATE_LIMITS = {"per_ip": 100, "per_address": 3, "window_seconds": 3600}
    statuses = [
        post_committed(form_url(project), interest_data, REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(1, 8)
    ]
    assert statuses == [302, 302, 302, 429, 429, 429, 429]
    assert ExpressionOfInterest.objects.count() == 3


def test_the_inbox_moves_an_interest_forward_with_history_and_exports_it(
    client, project, interest_data, post_committed, team
):
    post_committed(form_url(project), interest_data)
    interest = ExpressionOfInterest.objects.get()
    client.force_login(team["focal"])
    listing = "/admin/engagement/expressionofinterest/"

    client.post(
        listing,
        {"action": "mark_acknowledged", "_selected_action": [interest.pk]},
    )
    interest.refresh_from_db()
    assert interest.status == InterestStatus.ACKNOWLEDGED

    change_url = f"{listing}{interest.pk}/change/"
    response = client.post(change_url, {"status": "in_contact", "staff_note": "Appelé le 3."})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert (interest.status, interest.staff_note) == ("in_contact", "Appelé le 3.")

    # Backwards is refused, and nothing changes.
    client.post(change_url, {"status": "new", "staff_note": ""})
    interest.refresh_from_db()
    assert interest.status == InterestStatus.IN_CONTACT

    statuses = list(interest.history.order_by("history_id").values_list("status", flat=True))
    assert statuses == ["new", "acknowledged", "in_contact"]
    assert interest.history.latest().history_user == team["focal"]
    assert client.get(f"{change_url[:-7]}history/").status_code == 200

    export = client.post(f"{listing}export/", {"format": "0", "resource": "0"})
    assert export.status_code == 200
    exported = export.content.decode()
    assert "Sahel Énergies SA" in exported and project.reference in exported

    client.force_login(team["other_focal"])
    denied = client.post(listing, {"action": "mark_closed", "_selected_action": [interest.pk]})
    assert denied.status_code in (200, 302)
    interest.refresh_from_db()
    assert interest.status == InterestStatus.IN_CONTACT


def test_the_export_neutralises_formulas(client, project, interest_data, post_committed, make_user):
    post_committed(form_url(project), {**interest_data, "organisation": '=HYPERLINK("x")'})
    client.force_login(make_user("editor2", EDITOR))
    export = client.post(
        "/admin/engagement/expressionofinterest/export/", {"format": "0", "resource": "0"}
    )
    assert "'=HYPERLINK" in export.content.decode()


def test_the_limits_can_be_counted_in_a_cache_instead_of_the_database(
    client, project, interest_data, settings, post_committed
):
    # As with Redis (REDIS_URL): here the process's own cache stands in for it.
    settings.ENGAGEMENT_RATE_STORE = "cache:default"
    settings.ENGAGEMENT_RATE_LIMITS = {"per_ip": 4, "per_address": 100, "window_seconds": 3600}
    statuses = [
        post_committed(
            form_url(project), {**interest_data, "email": f"x{n}@example.org"}
        ).status_code
        for n in range(30)
    ]
    assert statuses.count(302) == 4
    assert ExpressionOfInterest.objects.count() == 4
    from catalogue.engagement.models import RateCount

    assert not RateCount.objects.exists()
