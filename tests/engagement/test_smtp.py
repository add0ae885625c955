"""One message through a real SMTP server (aiosmtpd, started here), read back from it."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from catalogue.engagement.models import Subscription
from catalogue.engagement.tasks import send_confirmation

pytestmark = pytest.mark.django_db


class Inbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 10},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "Smart Cities <no-reply@smartcities.example.tn>"
    yield inbox
    controller.stop()


def test_a_confirmation_goes_through_a_real_smtp_server(smtp_server, project):
    subscription = Subscription.objects.create(
        email="lecteur@example.org", kind="project", project=project, language="ar"
    )

    assert send_confirmation.call(subscription_id=subscription.pk) == 1

    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "no-reply@smartcities.example.tn"
    assert envelope.rcpt_tos == ["lecteur@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["To"] == "lecteur@example.org"
    assert message["Content-Language"] == "ar"
    assert message["List-Unsubscribe"] == (
        f"<https://smartcities.example.tn/ar/alerts/unsubscribe/{subscription.unsubscribe_token}/>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert project.reference in message["Subject"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"/ar/alerts/confirm/{subscription.confirm_token}/" in text
    assert project.title_ar in text
    assert 'dir="rtl"' in html and f"/ar/alerts/confirm/{subscription.confirm_token}/" in html
