"""The portal's e-mail: each message in its recipient's language, as plain text and HTML
(``templates/engagement/email/``, on a shared base with the portal's look).

Templates for a message ``name``: ``<name>_subject.txt``, ``<name>.txt`` and
``<name>.html``. The HTML is rendered with auto-escaping, so nothing a visitor typed is
ever HTML in a message; the text versions are plain text.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, mailers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger("smartcities.email")


def absolute(path: str) -> str:
    """An address on the portal (``PORTAL_URL``), for links in e-mail."""
    return settings.PORTAL_URL.rstrip("/") + path


def localized_url(name: str, language: str, **kwargs) -> str:
    """The absolute address of the page ``name`` in ``language``."""
    with translation.override(language):
        return absolute(reverse(name, kwargs=kwargs or None))


def render_message(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, text, HTML) of the message ``name`` in ``language``."""
    with translation.override(language):
        context = {
            "portal_url": absolute("/"),
            "LANGUAGE_CODE": language,
            "LANGUAGE_BIDI": translation.get_language_bidi(),
            **context,
        }
        subject = render_to_string(f"engagement/email/{name}_subject.txt", context)
        text = render_to_string(f"engagement/email/{name}.txt", context)
        html = render_to_string(f"engagement/email/{name}.html", context)
    # One line, whatever the template or the data held.
    subject = " ".join(subject.split())
    return subject, text, html


def build_message(
    name: str,
    *,
    to: list[str],
    language: str,
    context: dict,
    unsubscribe_url: str = "",
    reply_to: list[str] | None = None,
) -> EmailMultiAlternatives:
    subject, text, html = render_message(
        name, {**context, "unsubscribe_url": unsubscribe_url}, language
    )
    headers = {"Content-Language": language}
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def send(name: str, **kwargs) -> int:
    """Build and send one message through the default mailer; the number sent (0 or 1)."""
    return build_message(name, **kwargs).send(using="default")


def user_language(user) -> str:
    """A staff user's language for e-mail: their profile's, French by default."""
    profile = getattr(user, "engagement_profile", None)
    language = getattr(profile, "language", None) or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def send_to_users(name: str, users, context: dict) -> int:
    """Send ``name`` to each user with an address, each in their own language; one
    connection for all. The number of messages sent."""
    users = [user for user in users if user.is_active and user.email]
    if not users:
        return 0
    messages = [
        build_message(
            name,
            to=[user.email],
            language=user_language(user),
            context={**context, "recipient": user},
        )
        for user in users
    ]
    # One connection for all of them (the backend opens and closes it).
    return mailers.default.send_messages(messages) or 0


def users_with_profiles(queryset=None):
    """Active users with their language preference loaded."""
    queryset = queryset if queryset is not None else get_user_model().objects.all()
    return queryset.filter(is_active=True).exclude(email="").select_related("engagement_profile")
