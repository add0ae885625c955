"""Where restricted files live: a storage the reverse proxy does not serve.

Project documents may be restricted to ministry staff, so they are never stored under
MEDIA_ROOT, which the proxy serves at ``/media/`` to anyone. They go to the "documents"
storage of ``settings.STORAGES``: by default the ``PRIVATE_MEDIA_ROOT`` folder, or
another backend (e.g. a private S3 bucket) set from the environment. A file there has no
URL of its own: the portal serves it through a view that checks who asks
(``catalogue.public.documents``).
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.deconstruct import deconstructible

DOCUMENTS = "documents"  # the alias in settings.STORAGES
# In that storage, spreadsheets checked in the admin wait for their confirmation (a day
# at most); transient, so backups leave them out.
PENDING_IMPORTS = "pending-imports"


@deconstructible
class PrivateFileSystemStorage(FileSystemStorage):
    """A folder with no public URL: ``PRIVATE_MEDIA_ROOT`` unless a location is given.

    The location is read from the settings at each use, so that changing
    ``PRIVATE_MEDIA_ROOT`` (tests, a restore into another folder) takes effect at once.
    """

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # Storage.url() refuses: these files are served by a view only


def document_storage():
    """The storage of project documents (``STORAGES["documents"]``), for FileFields."""
    return storages[DOCUMENTS]


def private_media_root() -> str | None:
    """The folder holding the documents when their storage is a folder (for backups),
    or None when it is another backend (a bucket is backed up with its own tools)."""
    storage = document_storage()
    return storage.location if isinstance(storage, FileSystemStorage) else None
