"""Pictures in a comment: linked by content hash under a base URL the host serves them from,
drawn as a before / after table, and counted against the comment's allowance of pictures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

IMAGE_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp"}


class PictureLinks(Protocol):
    """Turns a picture into the URL the comment links; the caller then publishes what ``wanted`` lists
    (path -> bytes). A fresh one is made for each attempt at a length, so only the final body's count."""

    wanted: dict[str, bytes]

    def url(self, data: bytes, mime: str) -> str: ...


@dataclass
class ImageLinker:
    """:class:`PictureLinks` naming images by content hash, as URLs under ``base_url``.

    ``wanted`` records what the rendered body refers to (path -> bytes); the caller uploads those
    (the GitHub bot to an assets branch, see :mod:`nbreview.hosts.github.comment`).
    """

    base_url: str
    wanted: dict[str, bytes] = field(default_factory=dict)

    @staticmethod
    def path_for(data: bytes, ext: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        return f"img/{digest[:2]}/{digest}.{ext}"

    def url(self, data: bytes, mime: str) -> str:
        path = self.path_for(data, IMAGE_EXT.get(mime, "bin"))
        self.wanted[path] = data
        return f"{self.base_url.rstrip('/')}/{path}"


@dataclass
class ImageAllowance:
    """How many more pictures the comment may link (shared by its notebooks), and how many it left out."""

    left: int
    skipped: int = 0


def before_after(
    before: bytes | None, after: bytes | None, mime: str, linker: PictureLinks | None, allowance: ImageAllowance
) -> str | None:
    """A one-row before / after table of two pictures (``—`` for a missing side), or None when the
    comment has no image host or no allowance left (the picture is then counted as left out)."""
    if linker is None or allowance.left <= 0:
        allowance.skipped += 1
        return None
    allowance.left -= 1
    old = f"![before]({linker.url(before, mime)})" if before else "—"
    new = f"![after]({linker.url(after, mime)})" if after else "—"
    return f"| Before | After |\n| :---: | :---: |\n| {old} | {new} |\n"
