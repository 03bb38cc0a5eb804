"""Competitor names as an admin keeps them tidy: App Home's "Competitor names" button and its modal,
which merges one name the team used into another ("Inytech" into "Initech").

Pure: the handler reads the team's names (most used first) and what it just merged."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ButtonElement, InputBlock, Option, StaticSelectElement
from slack_sdk.models.views import View

from bot import ids
from bot.blocks.elements import note, section
from bot.blocks.mrkdwn import escape
from storage.competitors import NamedCompetitor

CHOICES_MAX = 100  # Slack's limit on a static select's options
SAME = "Choose two different names."
GONE = "This name was merged or is gone. Close the form and open it again to see the names as they are now."
FEW = "Merging needs two names. Once reps have named two competitors in their autopsies, they'll be here."


def names_button() -> ButtonElement:
    """For admins, in App Home's row of buttons."""
    return ButtonElement(text="Competitor names", action_id=ids.OPEN_COMPETITOR_NAMES)


def _choices(names: Sequence[NamedCompetitor]) -> list[Option]:
    return [
        Option(value=each.key, text=f"{each.name[:60]} ({each.uses} {'use' if each.uses == 1 else 'uses'})")
        for each in names[:CHOICES_MAX]
    ]


def merge_modal(names: Sequence[NamedCompetitor], *, merged: tuple[str, str] | None = None) -> View:
    """Two selects over the team's names (the `CHOICES_MAX` most used): merge this one into that one.
    `merged`: the names just merged, said at the top when the modal comes back for the next."""
    blocks: list[Block] = []
    if merged is not None:
        blocks.append(section(f"Merged *{escape(merged[0])}* into *{escape(merged[1])}*."))
    if len(names) < 2:
        blocks.append(section(FEW))
        return View(type="modal", title="Competitor names", close="Close", blocks=blocks)
    blocks += [
        section(
            "When reps spell one competitor two ways, merge one name into the other: its deals, "
            "and the name typed again later, count as the other, and only the other is suggested."
        ),
        InputBlock(
            block_id=ids.MERGE_FROM,
            label="Merge this name",
            element=StaticSelectElement(
                action_id=ids.MERGE_FROM, placeholder="Choose a name", options=_choices(names)
            ),
        ),
        InputBlock(
            block_id=ids.MERGE_INTO,
            label="Into this one",
            element=StaticSelectElement(
                action_id=ids.MERGE_INTO, placeholder="Choose a name", options=_choices(names)
            ),
        ),
    ]
    if len(names) > CHOICES_MAX:
        blocks.append(note(f"The {CHOICES_MAX} names used most are listed."))
    return View(
        type="modal",
        callback_id=ids.COMPETITOR_NAMES_VIEW,
        title="Competitor names",
        submit="Merge",
        close="Close",
        blocks=blocks,
    )


def read_merge(values: dict) -> tuple[tuple[str, str] | None, dict[str, str]]:
    """The keys chosen (this one, into that one), or errors keyed by block_id."""
    chosen = []
    for block_id in (ids.MERGE_FROM, ids.MERGE_INTO):
        element = (values.get(block_id) or {}).get(block_id) or {}
        option = element.get("selected_option") if isinstance(element, dict) else None
        chosen.append(option.get("value") if isinstance(option, dict) else None)
    from_key, into_key = chosen
    if not from_key or not into_key:
        missing = ids.MERGE_FROM if not from_key else ids.MERGE_INTO
        return None, {missing: "Please choose a name."}
    if from_key == into_key:
        return None, {ids.MERGE_INTO: SAME}
    return (from_key, into_key), {}
