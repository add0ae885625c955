"""Checks and clean-up of uploaded files: photos, logos and documents.

Images: JPEG, PNG or WebP only, the decoded format matching the file's extension, at most
``MAX_IMAGE_UPLOAD_BYTES`` and ``MAX_IMAGE_PIXELS`` (checked from the header, before any
decoding, so a small "pixel bomb" is refused cheaply); saved re-encoded, upright and
without metadata (EXIF, GPS). Documents: PDF only, checked by content. Every refusal says
why. Files are stored under generated names (``smartcities.core.fields.UploadTo``).
"""

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Extension → the format Pillow must find when it decodes the file.
IMAGE_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
PDF_MAGIC = b"%PDF-"


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _read_head(file, size=8192) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(size)
    file.seek(position)
    return head


@deconstructible
class ImageUploadValidator:
    """Refuse anything but a genuine, reasonably sized JPEG, PNG or WebP image."""

    def __call__(self, file):
        extension = _extension(file.name)
        if extension not in IMAGE_FORMATS:
            raise ValidationError(
                _("Only JPEG, PNG or WebP images are accepted (this file is “.%(ext)s”)."),
                code="image_type",
                params={"ext": extension or "?"},
            )
        if file.size > settings.MAX_IMAGE_UPLOAD_BYTES:
            raise ValidationError(
                _("This image weighs %(size)s; the limit is %(limit)s."),
                code="image_size",
                params={
                    "size": filesizeformat(file.size),
                    "limit": filesizeformat(settings.MAX_IMAGE_UPLOAD_BYTES),
                },
            )
        file.seek(0)
        try:
            with Image.open(file) as image:  # reads the header only
                width, height = image.size
                decoded = image.format
                if width * height > settings.MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        _(
                            "This image is %(width)s × %(height)s pixels; the limit is "
                            "%(limit)s megapixels."
                        ),
                        code="image_pixels",
                        params={
                            "width": width,
                            "height": height,
                            "limit": settings.MAX_IMAGE_PIXELS // 1_000_000,
                        },
                    )
                image.load()  # a truncated or corrupt file fails here
        except ValidationError:
            raise
        except Image.DecompressionBombError:
            raise ValidationError(
                _("This image has far too many pixels; the limit is %(limit)s megapixels."),
                code="image_pixels",
                params={"limit": settings.MAX_IMAGE_PIXELS // 1_000_000},
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(
                _("This file is not a readable image (damaged, truncated or of another type)."),
                code="image_invalid",
            ) from None
        finally:
            file.seek(0)
        if not _is_complete(file, decoded):
            raise ValidationError(
                _("This image file is truncated: upload the complete file."),
                code="image_truncated",
            )
        if decoded != IMAGE_FORMATS[extension]:
            raise ValidationError(
                _("This file is named “.%(ext)s” but contains a %(format)s image."),
                code="image_mismatch",
                params={"ext": extension, "format": decoded or "?"},
            )

    def __eq__(self, other):
        return isinstance(other, ImageUploadValidator)


@deconstructible
class PdfUploadValidator:
    """Refuse anything but a PDF (by its content), within the size limit."""

    def __call__(self, file):
        if _extension(file.name) != "pdf":
            raise ValidationError(_("Only PDF documents are accepted."), code="document_type")
        if file.size > settings.MAX_DOCUMENT_UPLOAD_BYTES:
            raise ValidationError(
                _("This document weighs %(size)s; the limit is %(limit)s."),
                code="document_size",
                params={
                    "size": filesizeformat(file.size),
                    "limit": filesizeformat(settings.MAX_DOCUMENT_UPLOAD_BYTES),
                },
            )
        head = _read_head(file)
        if not head.startswith(PDF_MAGIC) or _is_zip(file):
            raise ValidationError(
                _("This file is not a PDF document, whatever its name says."),
                code="document_invalid",
            )

    def __eq__(self, other):
        return isinstance(other, PdfUploadValidator)


def _is_complete(file, image_format: str) -> bool:
    """Whether the file ends the way its format must end.

    Pillow's own truncation check cannot be relied on: WeasyPrint, once imported, lets
    Pillow load truncated images (``ImageFile.LOAD_TRUNCATED_IMAGES``) process-wide.
    """
    file.seek(0, 2)
    length = file.tell()
    file.seek(max(0, length - 32))
    tail = file.read()
    file.seek(0)
    head = file.read(12)
    file.seek(0)
    if image_format == "JPEG":
        return tail.rstrip(b"\0").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return b"IEND" in tail
    if image_format == "WEBP":
        return int.from_bytes(head[4:8], "little") + 8 <= length
    return True


def _is_zip(file) -> bool:
    file.seek(0)
    try:
        return zipfile.is_zipfile(file)
    finally:
        file.seek(0)


def clean_image(file) -> ContentFile:
    """The image re-encoded in its own format: upright, without EXIF/GPS or other metadata."""
    file.seek(0)
    with Image.open(file) as image:
        image_format = image.format
        upright = ImageOps.exif_transpose(image)
        if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        buffer = io.BytesIO()
        options = {"quality": 88, "optimize": True} if image_format in ("JPEG", "WEBP") else {}
        upright.save(buffer, image_format, **options)
    file.seek(0)
    return ContentFile(buffer.getvalue(), name=PurePath(file.name).name)
