"""Follow a project, save a search: double opt-in, unsubscribe, and "my data"."""

import json
import re

import pytest
from django.core import mail

from catalogue.engagement.models import ExpressionOfInterest, Subscription

pytestmark = pytest.mark.django_db


def link(message, pattern):
    return re.search(rf"https://smartcities\.example\.tn(/\S*{pattern}\S*/)", message.body).group(1)


def subscribe(post_committed, url, **data):
    from catalogue.engagement import abuse

    form = {"email": "reader@example.org", "frequency": "daily", "website": ""}
    form.update(data, started=abuse.form_started_token())
    return post_committed(url, form)


def test_following_a_project_needs_the_confirmation_of_its_address(client, project, post_committed):
    response = subscribe(post_committed, f"/ar/catalogue/{project.reference}/follow/")

    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.project, subscription.language, subscription.confirmed_at) == (
        project,
        "ar",
        None,
    )
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert message.extra_headers["Content-Language"] == "ar"
    assert 'dir="rtl"' in message.alternatives[0].content
    assert project.title_ar in message.body
    confirm = link(message, "/alerts/confirm/")
    assert confirm.startswith("/ar/")

    # A visit (a link scanner's, say) confirms nothing; the button does.
    page = client.get(confirm)
    assert page.status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    client.post(confirm)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    assert len(mail.outbox) == 1  # nothing else was sent


def test_asking_twice_keeps_one_subscription_and_resends_the_link(project, post_committed):
    for _attempt in range(2):
        subscribe(post_committed, f"/fr/catalogue/{project.reference}/follow/", frequency="weekly")
    assert Subscription.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_saved_search_keeps_only_the_catalogue_filters(client, post_committed):
    form = client.get("/en/alerts/search/", {"query": "stage=planning&page=3&sort=title&bogus=1"})
    assert form.status_code == 200
    assert "Detailed planning" in form.text  # the search, in words
    subscribe(post_committed, "/en/alerts/search/", query="stage=planning&page=3&bogus=1")
    subscription = Subscription.objects.get()
    assert subscription.query == "stage=planning"
    assert subscription.project is None
    assert "Detailed planning" in mail.outbox[0].body


def test_the_catalogue_offers_to_save_its_search(client):
    page = client.get("/fr/catalogue/", {"stage": "planning"})
    assert "/fr/alerts/search/?query=stage%3Dplanning" in page.text


def test_every_message_carries_a_one_click_unsubscribe(client, project, post_committed):
    subscribe(post_committed, f"/fr/catalogue/{project.reference}/follow/")
    [message] = mail.outbox
    subscription = Subscription.objects.get()
    header = message.extra_headers["List-Unsubscribe"]
    assert header == (
        f"<https://smartcities.example.tn/fr/alerts/unsubscribe/{subscription.unsubscribe_token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header.strip("<>") in message.body
    assert header.strip("<>") in message.alternatives[0].content

    # The mail client's one-click POST (RFC 8058): no CSRF token, no page visited first.
    client.handler.enforce_csrf_checks = True
    path = header.strip("<>").removeprefix("https://smartcities.example.tn")
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    # The link again: it says so, and nothing breaks.
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200


def test_the_unsubscribe_page_asks_before_deleting(client, project):
    subscription = Subscription.objects.create(
        email="r@example.org", kind="project", project=project
    )
    url = f"/fr/alerts/unsubscribe/{subscription.unsubscribe_token}/"
    assert client.get(url).status_code == 200
    assert Subscription.objects.exists()
    client.post(url)
    assert not Subscription.objects.exists()


def test_a_wrong_token_is_a_friendly_404(client):
    assert client.get("/fr/alerts/confirm/nope/").status_code == 404
    assert client.get("/fr/my-data/forged-token/").status_code == 404


def test_my_data_shows_exports_and_erases_everything_about_an_address(
    client, project, interest_data, post_committed
):
    post_committed(f"/fr/catalogue/{project.reference}/interest/", interest_data)
    subscribe(
        post_committed, f"/fr/catalogue/{project.reference}/follow/", email=interest_data["email"]
    )
    interest = ExpressionOfInterest.objects.get()
    interest.status = "acknowledged"
    interest.save()  # a second history row
    mail.outbox.clear()

    # Asking for someone else's data sends nothing to whoever asks.
    from catalogue.engagement import abuse

    request = {
        "email": interest_data["email"],
        "website": "",
        "started": abuse.form_started_token(),
    }
    assert client.post("/en/my-data/", request).status_code == 302
    [message] = mail.outbox
    assert message.to == [interest_data["email"]]
    assert "it works for 24 hours" in message.body
    page_url = link(message, "/my-data/")

    page = client.get(page_url)
    assert page.status_code == 200
    assert "Sahel Énergies SA" in page.text and project.reference in page.text
    exported = json.loads(client.get(page_url, {"format": "json"}).content)
    assert exported["expressions_of_interest"][0]["organisation"] == "Sahel Énergies SA"
    assert exported["subscriptions"][0]["project"] == project.reference

    erased = client.post(page_url)
    assert erased.status_code == 200
    assert not ExpressionOfInterest.objects.exists()
    assert not ExpressionOfInterest.history.exists()
    assert not Subscription.objects.exists()


def test_my_data_for_an_unknown_address_sends_nothing(client):
    from catalogue.engagement import abuse

    request = {"email": "nobody@example.org", "website": "", "started": abuse.form_started_token()}
    assert client.post("/fr/my-data/", request).status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize(
    "url",
    [
        "/fr/catalogue/GAB-2020-001%00/interest/",
        "/fr/catalogue/GAB-2020-001/follow/?x=%00",
        "/fr/alerts/confirm/abc%00def0123456789abcdef/",
        "/fr/alerts/unsubscribe/%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00/",
        "/fr/my-data/%00abcdefghijklmnopqrstuvwxyz/",
        "/fr/alerts/search/?query=q%3D%2500%26stage%3D%00",
        "/fr/alerts/search/?query=" + "q%3Dx%26" * 600,
    ],
)
def test_hostile_addresses_get_a_page_never_an_error(client, url):
    assert client.get(url).status_code in (200, 404)


def test_a_hostile_post_is_refused_without_an_error(client, project):
    response = client.post(
        f"/fr/catalogue/{project.reference}/follow/",
        {"email": "a\x00@example.org", "frequency": "x", "query": "\x00" * 3000, "started": "\x00"},
    )
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_a_saved_search_is_escaped_in_the_confirmation(post_committed):
    subscribe(post_committed, "/fr/alerts/search/", query="q=<script>alert(1)</script>")
    [message] = mail.outbox
    html = message.alternatives[0].content
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
