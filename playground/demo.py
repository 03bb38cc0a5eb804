"""`rebound playground --demo`: three weeks of a sales team's lost deals, so the DMs, App Home,
`/lost-deal stats` and #lessons (digests, patterns, charts) have something to show at once.

The weeks are lived, not pasted. The playground's clock starts three weeks back. Each loss is
written on its day through the real form (`/lost-deal`, then Save), so its thank-you DM arrives;
some lessons become actions there (*Make it an action*, then *Commit to it*), stored by the bot as
any action is; each morning, afternoon and Friday evening the bot's sweeps run, so the revisits,
the help requests, the touch-base and action reminders and the Friday digests arrive on their days;
and each rep answers their reminders as the story says (reached out, won them back, let it go,
snoozed; an action done, or not done and why) with their buttons. Then the clock is back at today,
with two actions still open: one of the playground's first person's, due in two days, and one
they asked of a teammate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from bot import ids
from playground.client import Person, SlackClient
from playground.emulator import conversation_of
from playground.forms import fill_form


@dataclass(frozen=True)
class Loss:
    days_ago: int
    author: int  # index into the playground's people
    deal: str
    outcome: str
    winner: str
    competitor: str | None
    reason: str | None
    customer_said: str
    sharing: str
    lesson: str
    then: str  # what the rep answers the touch-base reminder: a button's action_id, or "" (still to come)


LOSSES = [
    Loss(
        20,
        0,
        "Globex renewal",
        "renewal_lost",
        "competitor",
        "Initech",
        "price",
        "Initech came in 20% cheaper and the CFO wanted the saving this year.",
        "named",
        "Show the ROI numbers before the renewal call, not after.",
        ids.WON_BACK,
    ),
    Loss(
        18,
        1,
        "Hooli pilot",
        "new_deal_lost",
        "in_house",
        None,
        "product_fit",
        "Our engineers think they can build the part we need themselves.",
        "anonymous",
        "Ask who else is evaluating in the first call.",
        ids.REACHED_OUT,
    ),
    Loss(
        16,
        2,
        "Vandelay Industries",
        "proposal_declined",
        "competitor",
        "Initech",
        "price",
        "You were a close second; Initech's price won the committee over.",
        "named",
        "Price is rarely the real reason: ask what would make it worth it.",
        ids.LET_GO,
    ),
    Loss(
        13,
        0,
        "Stark Logistics",
        "new_deal_lost",
        "no_decision",
        None,
        "timing",
        "We are holding every new project until next year's budget.",
        "private",
        "I waited too long to follow up after the demo.",
        "",
    ),
    Loss(
        11,
        1,
        "Wayne Media",
        "customer_cancelled",
        "competitor",
        "Umbrella Soft",
        "service",
        "Support took a week to answer our tickets; Umbrella answers in a day.",
        "named",
        "Escalate support tickets that are older than a week.",
        ids.SNOOZE_WEEK,
    ),
    Loss(
        9,
        2,
        "Cyberdyne",
        "new_deal_lost",
        "competitor",
        "Initech",
        "relationship",
        "Initech's team had known our VP for years.",
        "anonymous",
        "Meet the economic buyer, not only the champion.",
        ids.REACHED_OUT,
    ),
    Loss(
        6,
        0,
        "Soylent Foods",
        "renewal_lost",
        "competitor",
        "Umbrella Soft",
        "price",
        "Umbrella bundled it with what we already buy from them.",
        "named",
        "Bring the renewal forward when usage is high.",
        "",
    ),
    Loss(
        4,
        1,
        "Massive Dynamic",
        "proposal_declined",
        "unknown",
        None,
        None,
        "They did not say; the reply was one line.",
        "anonymous",
        "Send the proposal within 48 hours of the demo.",
        "",
    ),
    Loss(
        2,
        2,
        "Oscorp",
        "new_deal_lost",
        "competitor",
        "Initech",
        "product_fit",
        "Initech's demo showed exactly the three reports we asked about.",
        "named",
        "Don't demo features they did not ask for.",
        "",
    ),
]


@dataclass(frozen=True)
class Commit:
    """An action the lesson's author makes from its thank-you DM, on the day they write it."""

    deal: str  # the loss whose lesson it comes from
    what: str
    owner: int  # index into the playground's people
    due: int  # its day, counted from today: ahead (still open today), or back (answered that day)
    then: str = ""  # what the owner answers its reminder: ids.ACTION_DONE or ids.ACTION_NOT_DOING
    why: str = ""  # the reason given with Not doing


COMMITS = [
    Commit(
        "Globex renewal", "Send the ROI summary a week before every renewal call.", 0, -8, ids.ACTION_DONE
    ),
    Commit("Globex renewal", "Build a one-page ROI calculator the team can share with finance.", 1, 5),
    Commit(
        "Wayne Media",
        "Bring support tickets older than a week to Monday's pipeline call.",
        1,
        -4,
        ids.ACTION_NOT_DOING,
        "Support now answers every ticket within a day, so there is nothing left to bring.",
    ),
    Commit("Soylent Foods", "Book renewal calls 90 days out for accounts with high usage.", 0, 2),
]
WAIT = 5.0  # seconds for the bot to answer a step of the story
CHECKS = (ids.CHECK_LISTENED, ids.CHECK_TIMING, ids.CHECK_MARKET, ids.CHECK_AGGRESSIVE)


class DemoFailed(Exception):
    """The bot did not answer the story as it should (a bug: the demo uses only what people can do)."""


class DemoStory:
    def __init__(
        self, client: SlackClient, people: list[Person], *, zone: ZoneInfo, live: Callable[[datetime], None]
    ) -> None:
        self.client, self.people, self.zone = client, people, zone
        self.live = live  # moves the playground's clock to a moment and runs the sweeps there
        self._answers: dict[str, str] = {}  # deal -> the touch-base button its rep will click
        self._committed: dict[str, Commit] = {}  # what an action says -> how its owner answers it

    def live_up_to(self, now: datetime) -> int:
        """Live the story's days up to `now`; how many autopsies were written."""
        written_on = {
            (now - timedelta(days=loss.days_ago)).astimezone(self.zone).date(): loss for loss in LOSSES
        }
        day = min(written_on) - timedelta(days=1)
        while day < self._day(now):
            self._at(day, time(10))
            if day in written_on:
                self._write(written_on[day], self._moment(day, time(11)), now)
            self._at(day, time(13))  # Los Angeles' morning
            if day.weekday() == 4:
                self._at(day, time(16, 5))  # just after the digest is due
            day += timedelta(days=1)
        return len(written_on)

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def _moment(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, self.zone).astimezone(UTC)

    def _at(self, day: date, at: time) -> None:
        self.live(self._moment(day, at))
        self._answer_reminders()

    def _write(self, loss: Loss, written: datetime, now: datetime) -> None:
        self.live(written)
        number = LOSSES.index(loss) + 1
        person = self.people[loss.author % len(self.people)]
        dm = conversation_of(person.id)
        self._ask(self.client.command(person.id, dm, f"/lost-deal {loss.deal}"), loss, "/lost-deal")
        stack = self._until(
            lambda state: state["modals"].get(person.id), f"/lost-deal {loss.deal} opened no form"
        )
        # A reminder the story answers comes a week on; the others are still to come after today.
        touch_base = written + timedelta(days=7) if loss.then else now + timedelta(days=3 + number)
        answers = {
            ids.OUTCOME: loss.outcome,
            ids.DEAL_VALUE: str((12 + 7 * number) * 1000),
            ids.WINNER: loss.winner,
            ids.COMPETITOR: loss.competitor or "",
            # Why a competitor won; a loss to no decision or to their own team has no winner to explain.
            ids.WINNER_REASON: f"{loss.competitor} fit their needs better." if loss.competitor else "",
            ids.MAIN_REASON: loss.reason,
            ids.CUSTOMER_SAID: loss.customer_said,
            **{check: ("yes", "partly", "no")[(number + n) % 3] for n, check in enumerate(CHECKS)},
            ids.FEELINGS: "Disappointed, but I learned something.",
            ids.LESSON: loss.lesson,
            ids.TOUCH_BASE_ON: _weekday(self._day(touch_base)).isoformat(),
            ids.SHARING: loss.sharing,
        }
        if number % 4 == 0:
            answers[ids.HELP_FROM] = self.people[(loss.author + 1) % len(self.people)].id
        form = stack[-1]
        self._ask(self.client.submit(person.id, form["id"], fill_form(form, answers)), loss, "Save")
        if still := self.client.state()["modals"].get(person.id):
            raise DemoFailed(f"the form for {loss.deal} stayed open: {still[-1].get('errors')}")
        self._until(
            lambda state: any(loss.deal in m["text"] for m in state["conversations"].get(dm, [])),
            f"no thank-you DM for {loss.deal}",
        )
        if loss.then:
            self._answers[loss.deal] = loss.then
        for commit in (commit for commit in COMMITS if commit.deal == loss.deal):
            self._commit(person, commit, now)

    def _commit(self, person: Person, commit: Commit, now: datetime) -> None:
        """*Make it an action* under the thank-you DM, and the form filled in and committed to."""
        dm = conversation_of(person.id)
        thanks = next(
            m
            for m in self.client.state()["conversations"][dm]
            if m["text"].startswith(f"Your autopsy of {commit.deal}")
        )
        where = {"kind": "message", "channel": dm, "ts": thanks["ts"]}
        self._ask(
            self.client.act(person.id, where, _button(thanks, ids.MAKE_ACTION)), None, "Make it an action"
        )
        form = self._until(
            lambda state: [
                v for v in state["modals"].get(person.id, []) if v.get("callback_id") == ids.ACTION_VIEW
            ],
            f"Make it an action on {commit.deal} opened no form",
        )[-1]
        due = _weekday(self._day(now) + timedelta(days=commit.due))
        answers = {
            ids.ACTION_WHAT: commit.what,
            ids.ACTION_OWNER: self.people[commit.owner].id,
            ids.ACTION_DUE_ON: due.isoformat(),
        }
        self._ask(self.client.submit(person.id, form["id"], fill_form(form, answers)), None, "Commit to it")
        self._until(
            lambda state: any(
                m["text"] == f"Action noted: {commit.what}" for m in state["conversations"][dm]
            ),
            f"no confirmation of the action on {commit.deal}",
        )
        if commit.then:
            self._committed[commit.what] = commit

    def _answer_reminders(self) -> None:
        """Each person clicks the answer the story gives a touch-base or action reminder that has arrived."""
        if not (self._answers or self._committed):
            return
        for person in self.people:
            dm = conversation_of(person.id)
            for message in self.client.state()["conversations"].get(dm, []):
                deal = next(
                    (d for d in self._answers if message["text"].startswith(f"Time to touch base with {d}")),
                    None,
                )
                commit = self._committed.get(message["text"].removeprefix("An action you own is due: "))
                if deal is not None and (clicked := _button(message, self._answers[deal])):
                    del self._answers[deal]
                    where = {"kind": "message", "channel": dm, "ts": message["ts"]}
                    self._ask(self.client.act(person.id, where, clicked), None, str(clicked["action_id"]))
                elif commit is not None and (clicked := _button(message, commit.then)):
                    del self._committed[commit.what]
                    where = {"kind": "message", "channel": dm, "ts": message["ts"]}
                    self._ask(self.client.act(person.id, where, clicked), None, str(clicked["action_id"]))
                    if commit.then == ids.ACTION_NOT_DOING:
                        self._say_why(person, commit)

    def _say_why(self, person: Person, commit: Commit) -> None:
        """The "Not doing" form, answered with the story's reason."""
        form = self._until(
            lambda state: [
                v for v in state["modals"].get(person.id, []) if v.get("callback_id") == ids.ACTION_DROP_VIEW
            ],
            f"Not doing opened no form for {commit.what}",
        )[-1]
        answered = self.client.submit(person.id, form["id"], fill_form(form, {ids.ACTION_WHY: commit.why}))
        self._ask(answered, None, "Close the action")
        if still := self.client.state()["modals"].get(person.id):
            raise DemoFailed(f"the Not doing form stayed open: {still[-1].get('errors')}")

    def _until(self, found: Callable[[dict], object], otherwise: str) -> Any:
        """What `found` finds in what people see, once the bot's answer has arrived (5 s at most)."""
        deadline = monotonic() + WAIT
        while True:
            state = self.client.state()
            if seen := found(state):
                return seen
            if monotonic() > deadline:
                raise DemoFailed(otherwise)
            self.client.wait_for_change(state["version"], timeout=0.2)

    @staticmethod
    def _ask(answer: dict[str, object], loss: Loss | None, what: str) -> None:
        if not answer.get("ok"):
            raise DemoFailed(f"{what}{f' for {loss.deal}' if loss else ''} failed: {answer.get('error')}")


def _button(message: dict[str, Any], action_id: str) -> dict[str, Any] | None:
    """The click on the message's button `action_id`, as Slack sends it; None when it has none."""
    for block in message["blocks"]:
        for element in block.get("elements", []):
            if element.get("type") == "button" and element.get("action_id") == action_id:
                return {
                    "type": "button",
                    "block_id": block.get("block_id"),
                    "action_id": action_id,
                    "value": element.get("value"),
                }
    return None


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
