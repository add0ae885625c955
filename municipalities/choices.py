from django.db import models
from django.utils.translation import gettext_lazy as _


class MunicipalStatus2016(models.TextChoices):
    """A commune's situation after the 2016 reform that covered the whole territory."""

    OLD = "old", _("Existing commune")
    EXTENDED = "extended", _("Extended commune")
    NEW = "new", _("New commune")
