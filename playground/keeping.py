"""The playground's Slack and HubSpot, kept beside its database so a restart tells the same story:
every conversation (DMs, #lessons), each person's Home tab, the files Rebound uploaded, and the
deals lost in the fake HubSpot (the bot reads a deal back before it sends its prompt).

Modals and only-visible-to-you answers are not kept: Slack drops them when its window reloads too.
The JSON is written whole and renamed, a moment after each change and at the stop; each file's
bytes once, beside it in files/.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from playground.client import SlackClient
from playground.emulator import SlackEmulator
from playground.fake_hubspot import FakeHubSpot

SETTLE = 0.3  # seconds: a burst of changes (a sweep's DMs) is written once


class PlaygroundKeeper:
    def __init__(
        self, path: Path, client: SlackClient, emulator: SlackEmulator, hubspot: FakeHubSpot | None = None
    ) -> None:
        self.path, self.client, self.emulator, self.hubspot = path, client, emulator, hubspot
        self.files = path.parent / "files"
        self._written = -1
        self._files_written: set[str] = set()

    def restore(self) -> bool:
        """What the last run left, back in the client and the emulator; whether there was any."""
        try:
            kept = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return False
        self.client.restore_seen(kept.get("conversations") or {}, kept.get("homes") or {})
        for file_id, file_type in (kept.get("files") or {}).items():
            try:
                self.emulator.keep_file(file_id, (self.files / file_id).read_bytes(), file_type)
            except FileNotFoundError:  # deleted by hand: its message stays, its link is gone
                continue
            self._files_written.add(file_id)
        if self.hubspot is not None:
            self.hubspot.deals.update(kept.get("hubspot_deals") or {})
        self._written = self.client.version
        return True

    def save(self) -> None:
        state = self.client.state()
        files = {}
        for file_id, raw in list(self.emulator.uploads.items()):
            if file_id not in self._files_written:
                self.files.mkdir(exist_ok=True)
                (self.files / file_id).write_bytes(raw)
                self._files_written.add(file_id)
            files[file_id] = self.emulator.file_types.get(file_id, "")
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
