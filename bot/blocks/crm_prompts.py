"""Block Kit builders for the CRM's prompt: the DM that asks a deal's owner for its autopsy, its one
reminder, and each drawn again once answered.

Pure. The deal's name and reason come from the CRM, so they are escaped; its link is a button's
URL, never mrkdwn.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import ids
from bot.blocks.message import Message
from bot.blocks.mrkdwn import escape, safe_link
from bot.deal_news import CRMS
from storage import FollowUp, LostDeal

ANSWERED = {
    "done": "Thank you: your autopsy is saved. That's the habit that turns a *no* into a next *yes*.",
    "declined": "No autopsy for this one, and that's fine. I won't ask about it again.",
    "cancelled": "Nothing to do here any more.",
    "failed": "Nothing to do here any more.",
}


def deal_title(deal: LostDeal) -> str:
    return deal.deal_name or f"deal {deal.deal_id}"


def money(cents: int | None, currency: str | None) -> str | None:
    if cents is None:
        return None
    whole, part = divmod(abs(cents), 100)  # divmod(-150, 100) is (-2, 50): the sign goes back after
    amount = ("-" if cents < 0 else "") + f"{whole:,}" + (f".{part:02d}" if part else "")
    return f"{amount} {currency}" if currency else amount


def deal_link(crm: str | None, url: str | None) -> str | None:
    """A mrkdwn link to an autopsy's deal in its CRM (App Home, the digest); None without a safe URL."""
    return safe_link(url, f"the deal in {CRMS.get(crm or '', 'the CRM')}")


def _facts(deal: LostDeal) -> str | None:
    lines = []
    if (amount := money(deal.amount_cents, deal.currency)) is not None:
        lines.append(f"*Amount:* {escape(amount)}")
    if deal.reason:
        lines.append(f"*Reason in {CRMS.get(deal.crm, deal.crm)}:* {escape(deal.reason, 500)}")
    return "\n".join(lines) or None


def _buttons(follow_up: FollowUp, deal: LostDeal) -> ActionsBlock:
    value = str(follow_up.id)
    buttons = [
        ButtonElement(text="Do the autopsy", action_id=ids.CRM_DO_AUTOPSY, value=value, style="primary"),
        ButtonElement(text="Not this one", action_id=ids.CRM_NOT_THIS_ONE, value=value),
    ]
    if deal.deal_url:
        buttons.append(
            ButtonElement(
                text=f"Open in {CRMS.get(deal.crm, deal.crm)}", action_id=ids.CRM_OPEN_DEAL, url=deal.deal_url
            )
        )
    return ActionsBlock(block_id=ids.CRM_PROMPT_ANSWERS, elements=buttons)


def prompt(follow_up: FollowUp, deal: LostDeal) -> Message:
    """The first DM: sorry, no blame, why now, and the two answers."""
    name = escape(deal_title(deal))
    where = "marked lost" if deal.crm == "workflow" else f"marked Closed Lost in {CRMS[deal.crm]}"
    opening = (
        f"*Sorry about {name}.* It was {where}. Losing a deal happens to everyone who sells, "
        "and it isn't a verdict on you."
    )
    why = (
        "Five minutes now, while it's fresh, is worth more than an hour next month: what you "
        "remember today is what turns this *no* into your next *yes*. The form is already filled in."
    )
    return _drawn(follow_up, deal, [opening, why], notification=f"Sorry about {name}: an autopsy?")


def reminder(follow_up: FollowUp, deal: LostDeal) -> Message:
    """The one reminder, two working days later: gentler still, and the last."""
    name = escape(deal_title(deal))
    text = (
        f"*A gentle nudge about {name}.* If you have five minutes, a short look back helps you "
        "and the team. If not, that's fine too: this is the last I'll mention it."
    )
    return _drawn(follow_up, deal, [text], notification=f"A gentle nudge about {name}")


def _drawn(follow_up: FollowUp, deal: LostDeal, paragraphs: list[str], *, notification: str) -> Message:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n\n".join(paragraphs)))]
    if (facts := _facts(deal)) is not None:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=facts)))
    closing = ANSWERED.get(deal.state) or ANSWERED.get(follow_up.state)
    if closing is not None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=closing)]))
    else:
        blocks.append(_buttons(follow_up, deal))
    return Message(text=notification, blocks=blocks)


def build(follow_up: FollowUp, deal: LostDeal) -> Message:
    """The DM for a CRM follow-up (prompt or reminder), as it should look now."""
    return (prompt if follow_up.kind == "crm_prompt" else reminder)(follow_up, deal)


def unmatched_line(deals: list[LostDeal]) -> str:
    """For admins in App Home: lost deals whose owner is no one in Slack, by owner email."""
    emails = sorted({deal.owner_email or "no owner email" for deal in deals})
    count = len(deals)
    shown = ", ".join(escape(email) for email in emails[:10]) + (" …" if len(emails) > 10 else "")
    crms = sorted({CRMS.get(deal.crm, deal.crm) for deal in deals})
    return (
        f":warning: {count} {'deal' if count == 1 else 'deals'} lost in {' and '.join(crms)} this week "
        f"{'has' if count == 1 else 'have'} no one in Slack: owner emails {shown}. "
        "Invite them, or correct the owner in the CRM."
    )
