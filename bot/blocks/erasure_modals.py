"""What erasing a person says, before and after: the words for what goes and what stays (App
Home's confirmation and `rebound purge --user` both use them), and the two modals. Pure."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ButtonElement
from slack_sdk.models.views import View

from bot import ids
from bot.blocks.autopsy_form import notice
from bot.blocks.elements import note, section
from storage.people import Erasure


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def what_goes(erasure: Erasure, *, owner: str = "your") -> list[str]:
    """What erasing deletes, a line each, for the person (`owner` "your") or an operator ("their")."""
    lines = []
    if erasure.autopsies:
        line = _count(erasure.autopsies, "autopsy", "autopsies")
        if erasure.revisits:
            line += f", with {_count(erasure.revisits, 'revisit', 'revisits')}"
        lines.append(line)
    elif erasure.revisits:
        lines.append(_count(erasure.revisits, "revisit", "revisits"))
    if erasure.buyer_asks:
        lines.append(
            _buyer_asks(erasure.buyer_asks, erasure.buyer_answers, "you" if owner == "your" else "they")
        )
    if erasure.actions:
        made_by = "you" if owner == "your" else "them"
        lines.append(
            f"{_count(erasure.actions, 'action', 'actions')} made by {made_by} or of {owner} lessons"
        )
    if erasure.follow_ups:
        lines.append(_count(erasure.follow_ups, "reminder", "reminders"))
    if erasure.pauses:
        lines.append(f"{owner} pause on reminders")
    if erasure.zones:
        lines.append(f"the time zone Rebound saved for {'you' if owner == 'your' else 'them'}")
    return lines


def _buyer_asks(asks: int, answers: int, who: str) -> str:
    """The links sent to lost buyers, and their answers: "2 links you sent to customers, with the
    answers of 1 customer: the links stop working"."""
    line = f"{_count(asks, 'link', 'links')} {who} sent to {'a customer' if asks == 1 else 'customers'}"
    if answers == asks:
        line += ", with the customer's answers" if asks == 1 else ", with the customers' answers"
    elif answers:
        line += f", with the answers of {_count(answers, 'customer', 'customers')}"
    return line + (": the link stops working" if asks == 1 else ": the links stop working")


def what_stays(erasure: Erasure, *, owner: str = "your") -> list[str]:
    """What erasing keeps for the team, with the person's name taken out, a line each."""
    whom, who = ("you", "you") if owner == "your" else ("them", "they")
    lines = []
    if erasure.helped:
        autopsies = _count(erasure.helped, "teammate's autopsy", "teammates' autopsies")
        lines.append(f"{autopsies} that asked {whom} for help")
    if erasure.crm_deals:
        lines.append(f"{_count(erasure.crm_deals, 'CRM deal', 'CRM deals')} {who} owned")
    if erasure.installs:
        lines.append(f"the record that {who} installed Rebound")
    if erasure.handed_back:
        actions = _count(erasure.handed_back, "teammate's action", "teammates' actions")
        lines.append(f"{actions} {who} owned: back with whoever made each, without {owner} outcome")
    return lines


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def erase_mine_modal(erasure: Erasure) -> View:
    """The confirmation before everything a rep wrote is deleted: what goes, what stays without
    their name, and what Rebound cannot reach. Its button is red (Slack's `danger`)."""
    if not erasure.anything:
        return notice("Nothing to delete", "Rebound holds nothing you wrote in this workspace.")
    blocks = [section(f"This deletes, for good:\n{_bullets(what_goes(erasure))}")]
    if erasure.messages:
        blocks.append(section("The DMs that showed your autopsies will say you took them down."))
    stays = what_stays(erasure)
    if stays:
        blocks.append(section(f"Kept for the team, without your name:\n{_bullets(stays)}"))
    blocks += [
        note(
            "Lessons you shared in past digests stay in that channel's history; you can delete "
            "those messages in Slack. Want a copy first? Close this and choose Export my data."
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Delete everything", action_id=ids.ERASE_MINE_CONFIRMED, style="danger", value="all"
                )
            ]
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.ERASE_MINE_VIEW,
        title="Delete everything?",
        close="Keep it",
        blocks=blocks,
    )


def erased_notice(erasure: Erasure) -> View:
    """What the confirmation shows once everything is gone."""
    goes = what_goes(erasure)
    if not goes and not erasure.anything:
        return notice("Nothing to delete", "Rebound holds nothing you wrote in this workspace.")
    text = "Everything you wrote in Rebound is deleted"
    text += f":\n{_bullets(goes)}" if goes else "."
    stays = what_stays(erasure)
    if stays:
        text += f"\n\nYour name is gone from {' and '.join(stays)}."
    return notice("Deleted", text)
