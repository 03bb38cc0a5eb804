"""The playground's Slack and HubSpot, kept beside its database so a restart tells the same story:
every conversation (DMs, #lessons), each person's Home tab, the files Rebound uploaded, and the
deals lost in the fake HubSpot (the bot reads a deal back before it sends its prompt).

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
from playground.hubspot import FakeHubSpot

SETTLE = 0.3  # seconds: a burst of changes (a sweep's DMs) is written once


class PlaygroundKeeper:
    def __init__(
        self, path: Path, client: SlackClient, emulator: SlackEmulator, hubspot: FakeHubSpot | None = None
    ) -> None:
        self.path, self.client, self.emulator, self.hubspot = path, client, emulator, hubspot
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
        if self.hubspot is not None:
            self.hubspot.deals.update(kept.get("hubspot_deals") or {})
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
        if self.hubspot is not None:
            kept["hubspot_deals"] = dict(self.hubspot.deals)
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
