"""Thumbnails for project galleries, made with Pillow (lists never show full-size uploads)."""

from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

THUMBNAIL_SIZE = (640, 480)
THUMBNAIL_QUALITY = 82


def make_thumbnail(source) -> ContentFile:
    """A JPEG at most ``THUMBNAIL_SIZE``, upright (EXIF orientation applied), without metadata."""
    was_closed = source.closed
    source.open("rb")
    try:
        with Image.open(source) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
            if image.mode not in ("RGB", "L"):
                background = Image.new("RGB", image.size, "white")
                background.paste(image, mask=image.convert("RGBA").getchannel("A"))
                image = background
            buffer = BytesIO()
            image.convert("RGB").save(buffer, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    finally:
        # Leave an uploaded file as we found it: the storage still has to save it.
        if was_closed:
            source.close()
        else:
            source.seek(0)
    return ContentFile(buffer.getvalue(), name="thumbnail.jpg")
