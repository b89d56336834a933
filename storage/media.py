"""Photo files on disk, named by their SHA-256 so that one image is stored once."""

import os
import tempfile
from pathlib import Path

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def media_path(media_dir: Path, sha256: str, media_type: str) -> Path:
    return media_dir / f"{sha256}.{EXTENSIONS[media_type]}"


def store(media_dir: Path, sha256: str, media_type: str, content: bytes) -> Path:
    """Write the image once; an atomic rename means a reader never sees half a file."""
    path = media_path(media_dir, sha256, media_type)
    if path.exists():
        return path
    media_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=media_dir, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(content)
    os.replace(temporary, path)
    return path


def remove(media_dir: Path, sha256: str, media_type: str) -> None:
    """Delete an image no entry uses any more; one already gone is no error."""
    media_path(media_dir, sha256, media_type).unlink(missing_ok=True)
