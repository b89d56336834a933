"""Which uploads are photos we accept: JPEG, PNG or WebP by content, at most 10 MB."""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from bot import i18n
from bot.i18n import _

MAX_BYTES = 10 * 1024 * 1024
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def looks_like_a_picture(content: bytes) -> bool:
    """Whether the file starts as a JPEG, PNG, WebP or HEIC picture does (not that it is one)."""
    return (
        content.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
        or (content[:4] == b"RIFF" and content[8:12] == b"WEBP")
        or content[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1")
    )


@dataclass(frozen=True)
class CheckedImage:
    content: bytes
    media_type: str
    sha256: str
    width: int
    height: int


def check_image(content: bytes) -> CheckedImage | str:
    """The image's type and fingerprint, or why it is refused. The name is never trusted."""
    if len(content) > MAX_BYTES:
        return _("That file is {size} MB; photos can be at most 10 MB.").format(
            size=i18n.decimal(round(len(content) / 1024 / 1024, 1), "#,##0.0")
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return _("That file is not a picture I can read; send a JPEG, PNG or WebP photo.")
    if kind not in ACCEPTED:
        return _("That is a {kind} image; send a JPEG, PNG or WebP photo.").format(kind=kind)
    return CheckedImage(content, ACCEPTED[kind], hashlib.sha256(content).hexdigest(), width, height)
