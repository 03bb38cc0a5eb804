"""The playground's HubSpot: "A deal was lost in HubSpot" marks one of the person's deals Closed
Lost in the fake HubSpot and sends the bot the webhook HubSpot would, signed with the private
app's secret; the sweep then reads the deal back from the fake, as it reads HubSpot's.
"""

from __future__ import annotations

import itertools
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.deal_news import HUBSPOT
from playground.client import Person
from playground.emulator import TEAM_ID, SlackEmulator
from playground.fake_hubspot import PORTAL_ID, FakeHubSpot, signed_webhook, stage_change_event
from storage import Store

# (deal, amount, HubSpot's closed-lost reason), taken in turn
DEALS = (
    ("Initech renewal", "36000", "Price was too high for this year's budget"),
    ("Globex expansion", "52000", "Went with a competitor"),
    ("Umbrella pilot", "18000", "Timing: their budget was frozen"),
    ("Hooli platform deal", "75000", "Missing an integration they needed"),
)
FIRST_DEAL = 9_100_001


def email_of(person: Person) -> str:
    return f"{person.name.split()[0].lower()}@acme-sales.example"


class LostInHubSpot:
    """Deals lost in the playground's HubSpot, each becoming the bot's one prompt to its owner."""

    def __init__(
        self,
        hubspot: FakeHubSpot,
        emulator: SlackEmulator,
        store: Store,
        people: list[Person],
        *,
        secret: str,
        public_url: str,
        bot_url: str,
        sweep: Callable[[], None],
        now: Callable[[], datetime],
    ) -> None:
        self.hubspot, self.store, self.sweep, self.now = hubspot, store, sweep, now
        self.secret, self.public_url, self.bot_url = secret, public_url, bot_url
        self.people = {person.id: person for person in people}
        self.owners = {person.id: str(910_001 + number) for number, person in enumerate(people)}
        self._deals = itertools.count(len(hubspot.deals))  # after those an earlier run lost
        for person in people:  # each person owns deals in HubSpot, and is found in Slack by email
            emulator.emails[email_of(person)] = person.id
            first, _, last = person.name.partition(" ")
            hubspot.add_owner(self.owners[person.id], email_of(person), first=first, last=last)

    def lose(self, asked: dict[str, object]) -> dict[str, object]:
        person = self.people.get(str(asked.get("user") or ""))
        if person is None:
            return {"ok": False, "error": "unknown_person"}
        turn = next(self._deals)
        name, amount, reason = DEALS[turn % len(DEALS)]
        deal_id = FIRST_DEAL + turn
        self.hubspot.add_deal(
            deal_id, name=name, amount=amount, owner_id=self.owners[person.id], reason=reason
        )
        # HubSpot's moments, on the playground's clock, which the bot checks the signature's against
        signed_at = int(self.now().timestamp() * 1000)
        event = stage_change_event(PORTAL_ID, deal_id, "closedlost", signed_at)
        body, headers = signed_webhook(self.secret, self.public_url + "/crm/hubspot", [event], signed_at)
        request = urllib.request.Request(self.bot_url + "/crm/hubspot", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                status = answer.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        except OSError:
            return {"ok": False, "error": "Rebound did not answer HubSpot's webhook"}
        if status != 204:
            return {"ok": False, "error": f"Rebound refused HubSpot's webhook ({status})"}
        self.sweep()
        return {"ok": True, "note": self._what_happened(person, str(deal_id), name)}

    def _what_happened(self, person: Person, deal_id: str, name: str) -> str:
        with self.store.read() as work:
            due_at = work.lost_deals.prompt_waits_until(team_id=TEAM_ID, crm=HUBSPOT, deal_id=deal_id)
        said = f"HubSpot marked {name} Closed Lost."
        if due_at is None:
            return f"{said} {person.name} has a DM from Rebound."
        local = due_at.astimezone(ZoneInfo(person.tz))
        return (
            f"{said} {person.name}'s DM waits for working hours: {local:%a %-d %b, %H:%M} their time "
            "(move the playground's clock there to see it)."
        )
