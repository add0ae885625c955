"""Public pages of the engagement app: the expression of interest form, follow and save
a search (double opt-in), confirm and unsubscribe links, and "my data".

Forms are never cached (they carry a CSRF token); every POST counts against the rate
limits of its IP and of the address it gives (``abuse.rate_limited``) before anything
else is done, so a flood stores and sends at most the limit.
"""

import json

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from catalogue.engagement import abuse, notifications, services, tasks
from catalogue.engagement.forms import DataRequestForm, InterestForm, SubscribeForm
from catalogue.engagement.models import ExpressionOfInterest, Subscription
from catalogue.models import Project

DATA_LINK_SALT = "engagement.my-data"
RATE_MESSAGE = _("Too many requests from you in a short time. Please try again later.")


# Links (also used by the e-mails) --------------------------------------------------------


def subscription_links(subscription: Subscription) -> dict[str, str]:
    language = subscription.language
    return {
        "confirm": notifications.localized_url(
            "engagement:confirm", language, token=subscription.confirm_token
        ),
        "unsubscribe": notifications.localized_url(
            "engagement:unsubscribe", language, token=subscription.unsubscribe_token
        ),
        "my_data": my_data_url(language),
    }


def my_data_url(language: str) -> str:
    return notifications.localized_url("engagement:my_data", language)


def data_access_url(email: str, language: str) -> str:
    token = signing.dumps({"email": email.lower()}, salt=DATA_LINK_SALT, compress=True)
    return notifications.localized_url("engagement:my_data_view", language, token=token)


def search_url(query: str, language: str) -> str:
    with translation.override(language):
        url = reverse("catalogue:project_list")
    return f"{url}?{query}" if query else url


# Helpers --------------------------------------------------------------------------------


def _limited(request, action: str) -> bool:
    email = request.POST.get("email", "")[:254] if request.method == "POST" else ""
    return abuse.rate_limited(action=action, ip=abuse.client_ip(request), email=email)


def _public_project(reference: str) -> Project:
    return get_object_or_404(
        Project.objects.public().select_related("municipality__governorate"),
        reference=reference,
    )


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


# Expression of interest -------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def interest_create(request, reference):
    project = _public_project(reference)
    if not services.interest_open_for(project):
        raise Http404(_("This project does not take expressions of interest."))
    form = InterestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _limited(request, "interest"):
            form = InterestForm(request.POST)
            form.is_valid()
            form.add_error(None, RATE_MESSAGE)
            status = 429
        elif form.is_valid():
            try:
                services.interest_submit(
                    project=project, data=form.interest_data(), language=_language()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(
                    reverse("engagement:interest_sent", kwargs={"reference": reference})
                )
        if status == 200:
            status = 400
    return render(
        request,
        "engagement/interest_form.html",
        {"project": project, "form": form},
        status=status,
    )


@never_cache
def interest_sent(request, reference):
    project = _public_project(reference)
    return render(request, "engagement/interest_sent.html", {"project": project})


# Follow a project, save a search ----------------------------------------------------------


def _subscribe(request, *, project=None, query=""):
    form = SubscribeForm(request.POST or None, initial={"query": query})
    status = 200
    if request.method == "POST":
        if _limited(request, "subscribe"):
            form.is_valid()
            form.add_error(None, RATE_MESSAGE)
            status = 429
        elif form.is_valid():
            try:
                services.subscription_request(
                    email=form.cleaned_data["email"],
                    language=_language(),
                    frequency=form.cleaned_data["frequency"],
                    project=project,
                    query=form.cleaned_data["query"] if project is None else "",
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(reverse("engagement:check_mailbox"))
        if status == 200:
            status = 400
        query = request.POST.get("query", "")[:2000]
    description = services.describe_query(services.normalize_query(query)) if not project else []
    return render(
        request,
        "engagement/subscribe_form.html",
        {
            "form": form,
            "project": project,
            "description": description,
            "search_url": search_url(services.normalize_query(query), _language()),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def follow_project(request, reference):
    return _subscribe(request, project=_public_project(reference))


@never_cache
@require_http_methods(["GET", "POST"])
def save_search(request):
    return _subscribe(request, query=request.GET.get("query", "")[:2000])


@never_cache
def check_mailbox(request):
    return render(request, "engagement/check_mailbox.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The double opt-in link: a page with a button (a link scanner's visit confirms
    nothing), and its POST."""
    subscription = (
        Subscription.objects.select_related("project").filter(confirm_token=token).first()
    )
    if subscription is None:
        return render(request, "engagement/link_invalid.html", status=404)
    if request.method == "POST":
        subscription = services.subscription_confirm(token=token)
    return render(
        request,
        "engagement/confirm.html",
        {
            "subscription": subscription,
            "description": services.describe_query(subscription.query),
            "search_url": search_url(subscription.query, _language()),
        },
    )


@csrf_exempt  # the unsubscribe token is the secret; mail clients POST without a CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """An unsubscribe link: one button on the page, or one POST from the mail client
    (``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, RFC 8058)."""
    subscription = (
        Subscription.objects.select_related("project").filter(unsubscribe_token=token).first()
    )
    if request.method == "POST":
        services.subscription_unsubscribe(token=token)
        return render(request, "engagement/unsubscribed.html")
    if subscription is None:
        return render(request, "engagement/unsubscribed.html")
    return render(
        request,
        "engagement/unsubscribe.html",
        {"subscription": subscription, "description": services.describe_query(subscription.query)},
    )


# What is stored about me ------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def my_data(request):
    """Ask for a link to what is stored about an address: sent to that address only."""
    form = DataRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _limited(request, "my_data"):
            form.is_valid()
            form.add_error(None, RATE_MESSAGE)
            status = 429
        elif form.is_valid():
            tasks.send_data_access_link.enqueue(
                email=form.cleaned_data["email"], language=_language()
            )
            return HttpResponseRedirect(reverse("engagement:check_mailbox"))
        else:
            status = 400
    return render(
        request,
        "engagement/my_data.html",
        {"form": form, "retention_days": settings.ENGAGEMENT_RETENTION_DAYS},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def my_data_view(request, token):
    """Everything stored about the address of a link sent to it: to read, export (JSON)
    or erase."""
    try:
        email = signing.loads(
            token,
            salt=DATA_LINK_SALT,
            max_age=settings.ENGAGEMENT_DATA_LINK_HOURS * 3600,
        )["email"]
    except (signing.BadSignature, KeyError, TypeError):
        return render(request, "engagement/link_invalid.html", status=404)
    if request.method == "POST":
        erased = services.personal_data_erase(email=email)
        return render(request, "engagement/my_data_erased.html", {"erased": erased})
    data = services.personal_data(email)
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    interests = ExpressionOfInterest.objects.filter(email__iexact=email).select_related("project")
    subscriptions = Subscription.objects.filter(email__iexact=email).select_related("project")
    return render(
        request,
        "engagement/my_data_view.html",
        {
            "email": email,
            "interests": interests,
            "subscriptions": [
                (s, services.describe_query(s.query) if not s.project_id else [])
                for s in subscriptions
            ],
            "retention_days": settings.ENGAGEMENT_RETENTION_DAYS,
        },
    )
