"""The public forms. Every text field has a length limit and refuses control and bidi
control characters; one-line fields refuse line breaks (no header can be forged from
them). Two hidden fields catch robots: ``website`` (people leave it empty) and
``started`` (a signed time: a form sent back too soon is refused)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.engagement import abuse
from catalogue.engagement.choices import Frequency, InvestorKind
from catalogue.engagement.models import (
    COUNTRY_LENGTH,
    MESSAGE_LENGTH,
    NAME_LENGTH,
    ORGANISATION_LENGTH,
    PHONE_LENGTH,
)

ROBOT_MESSAGE = _(
    "Your message could not be accepted. Please wait a few seconds and send the form again."
)


class OneLineField(forms.CharField):
    default_validators = [abuse.check_one_line]


class TextField(forms.CharField):
    default_validators = [abuse.check_text]


class SafeEmailField(forms.EmailField):
    default_validators = [*forms.EmailField.default_validators, abuse.check_one_line]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("label", _("E-mail address"))
        super().__init__(**kwargs)


class GuardedForm(forms.Form):
    """A public form with the robot traps."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = abuse.form_started_token()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website") or abuse.filled_too_fast(cleaned.get("started", "")):
            # A fresh stamp, so that a person who was only quick can send it again.
            self.data = self.data.copy()
            self.data["started"] = abuse.form_started_token()
            raise forms.ValidationError(ROBOT_MESSAGE, code="robot")
        return cleaned


class InterestForm(GuardedForm):
    """An investor's expression of interest in a project."""

    organisation = OneLineField(label=_("Organisation"), max_length=ORGANISATION_LENGTH)
    country = OneLineField(label=_("Country"), max_length=COUNTRY_LENGTH)
    investor_kind = forms.ChoiceField(label=_("Kind of investor"), choices=InvestorKind.choices)
    name = OneLineField(label=_("Your name"), max_length=NAME_LENGTH)
    email = SafeEmailField()
    phone = OneLineField(
        label=_("Telephone (optional)"),
        max_length=PHONE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )
    message = TextField(
        label=_("Your message"),
        max_length=MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you would like to know or propose (plain text)."),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that these details are shared with the Ministry and the project's "
            "municipality so that they can contact me."
        ),
        error_messages={"required": _("Agree to share your details, or we cannot pass them on.")},
    )

    field_order = [
        "organisation",
        "country",
        "investor_kind",
        "name",
        "email",
        "phone",
        "message",
        "consent",
    ]

    def interest_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.field_order}


class SubscribeForm(GuardedForm):
    """Follow a project or save a search: an address and a frequency."""

    email = SafeEmailField()
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class DataRequestForm(GuardedForm):
    """Ask for the link to what is stored about an address."""

    email = SafeEmailField()
