"""A file shared in a conversation, as the page draws it: the fields of Slack's file object that
Slack's client shows (title, name, type, size), and where the page downloads it from.

Slack's client draws an image inline and any other file as a card with its title, its type and
its size, and a way to download it; the page does the same from what `file_card` gives it.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any


def file_card(file_id: str, *, name: str, title: str | None, mimetype: str, size: int) -> dict[str, Any]:
    """What a person sees of an uploaded file, in Slack's file object's own names.

    `filetype` is Slack's short type ("csv", "png", "binary" when the name has no extension),
    `pretty_type` the words Slack's client shows for it ("CSV"), `size` the bytes uploaded.
    """
    filetype = PurePosixPath(name).suffix.removeprefix(".").lower() or "binary"
    return {
        "id": file_id,
        "name": name,
        "title": title or name,
        "mimetype": mimetype,
        "filetype": filetype,
        "pretty_type": "Binary" if filetype == "binary" else filetype.upper(),
        "size": size,
        "url": f"/play/files/{file_id}",
    }
