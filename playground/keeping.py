"""The playground's Slack side, kept beside its database so a restart tells the same story: every
conversation (DMs, #lessons), each person's Home tab and the files Rebound uploaded.

Modals and only-visible-to-you answers are not kept: Slack drops them when its window reloads too.
Written whole and renamed, a moment after each change and at the stop.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path

from playground.client import SlackClient
from playground.emulator import SlackEmulator

SETTLE = 0.3  # seconds: a burst of changes (a sweep's DMs) is written once


class SlackKeeper:
    def __init__(self, path: Path, client: SlackClient, emulator: SlackEmulator) -> None:
        self.path, self.client, self.emulator = path, client, emulator
        self._written = -1

    def restore(self) -> bool:
        """What the last run left, back in the client and the emulator; whether there was any."""
        try:
            kept = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return False
        self.client.restore_seen(kept.get("conversations") or {}, kept.get("homes") or {})
        for file_id, file in (kept.get("files") or {}).items():
            self.emulator.keep_file(file_id, base64.b64decode(file["content"]), file["type"])
        self._written = self.client.version
        return True

    def save(self) -> None:
        state = self.client.state()
        files = {
            file_id: {
                "type": self.emulator.file_types.get(file_id, ""),
                "content": base64.b64encode(raw).decode(),
            }
            for file_id, raw in list(self.emulator.uploads.items())
        }
        kept = {"conversations": state["conversations"], "homes": state["homes"], "files": files}
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(kept))
        os.replace(partial, self.path)
        self._written = state["version"]

    def keep(self, stopping: threading.Event) -> None:
        """Save after each change until `stopping`, then once more."""
        while not stopping.is_set():
            version = self.client.wait_for_change(self._written, timeout=1.0)
            if version != self._written and not stopping.wait(SETTLE):
                self.save()
        self.save()
