"""Which uploads are photos we accept: JPEG, PNG or WebP by content, at most 10 MB."""

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


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
        return f"That file is {len(content) / 1024 / 1024:.1f} MB; photos can be at most 10 MB."
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return "That file is not a picture I can read; send a JPEG, PNG or WebP photo."
    if kind not in ACCEPTED:
        return f"That is a {kind} image; send a JPEG, PNG or WebP photo."
    return CheckedImage(content, ACCEPTED[kind], hashlib.sha256(content).hexdigest(), width, height)
