"""Asking a lost buyer for their side, as the rep sees it in Slack: the button, the private answer
with the personal link and the note to send with it, where an unanswered link stands, and the
buyer's answers beside what the rep wrote.

Pure. All of it is for the autopsy's author alone (App Home, their own DMs, a modal they
opened): a teammate's surfaces show nothing of the buyer's. The buyer's words are escaped like
any user text; the deal's name sits as plain text on the button, where nothing is markup.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import autopsy, ids
from bot.asking import LinkShown
from bot.blocks.elements import note, section
from bot.blocks.message import Message
from bot.blocks.mrkdwn import clip, escape, quote
from bot.customer_side import MAY_CONTACT, REASONS, SCORES, disagreement, link_state, note_for_buyer
from storage import Autopsy, BuyerAsk

ASK_LABEL = "Ask {deal} for their side"
BUTTON_TEXT_MAX = 75  # Slack's limit on a button's text
TITLE = "Their side"
NOT_OFFERED = (
    "Reps can't ask lost buyers for their side yet: the buyer's one-minute page needs a public "
    "address. Set `REBOUND_PUBLIC_URL` and serve over HTTP (not Socket Mode) to offer it."
)
# Who else reads the buyer's words: the digest follows the autopsy's sharing.
WHO_READS = {
    "named": "Like your lesson, their words may appear in the team digest.",
    "anonymous": "Like your lesson, their words may appear in the team digest, without your name.",
    "private": "Your autopsy is private, so their words stay with you.",
}
UNNAMED_COMPANY = (
    'The note says "us": your workspace hasn\'t named its company for buyers yet. An admin can, '
    "in App Home's Workspace settings."
)


def ask_button(deal_name: str, autopsy_id: int) -> ButtonElement:
    """ "Ask <deal> for their side", its value the autopsy's id; a long name is cut to fit."""
    room = BUTTON_TEXT_MAX - len(ASK_LABEL.format(deal=""))
    label = ASK_LABEL.format(deal=clip(" ".join(deal_name.split()), room))
    return ButtonElement(text=label, action_id=ids.ASK_BUYER, value=str(autopsy_id))


def ask_offer(deal_name: str, autopsy_id: int) -> list[Block]:
    """The offer under the thank-you DM: a line on what asking is, and the button."""
    return [
        note(
            "Want their side of the story too? I'll give you a personal link to a one-minute page "
            "for them, for you to send: their answers come back to you."
        ),
        ActionsBlock(elements=[ask_button(deal_name, autopsy_id)]),
    ]


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%A %-d %B %Y}"


def _short_day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%-d %b %Y}"


def _preformatted(text: str) -> str:
    """`text` to copy as it is: in a code block Slack formats nothing, so only its markup is escaped."""
    return "```" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "```"


def link_modal(entry: Autopsy, shown: LinkShown, *, company: str | None, zone: ZoneInfo) -> View:
    """The rep's private answer to "Ask <deal> for their side": the personal link, the note to
    send with it, where the link stands and until when (in the rep's `zone`), and a way to
    withdraw it; once answered, the buyer's answers instead."""
    deal = escape(entry.deal_name)
    if shown.state == "answered":
        assert shown.ask.answered_at is not None
        blocks: list[Block] = [
            section(f"*{deal}* answered on {_day(shown.ask.answered_at, zone)}. Here is their side:"),
            section(their_side(entry, shown.ask, zone)),
            note("It sits beside your autopsy in App Home too."),
        ]
        return View(type="modal", callback_id=ids.BUYER_LINK_VIEW, title=TITLE, close="Done", blocks=blocks)
    blocks = [
        section(
            f"Here is a personal link for your contact at *{deal}*. Send it yourself, with the note "
            "below, from your own mail or LinkedIn: Rebound sends no email, and the relationship "
            "stays yours."
        ),
        section(_preformatted(shown.link)),
        # A link the rep can click too (a code block's is not): what the buyer will see.
        note(f"<{shown.link}|Open the page they'll see> (opening it marks the link opened)."),
        note(_where_it_stands(shown, zone)),
        section(
            "*A note you can send with it* (make it yours):\n"
            + quote(note_for_buyer(company=company, contact=entry.buyer_contact), 2900)
        ),
    ]
    if not company:
        blocks.append(note(UNNAMED_COMPANY))
    blocks += [
        note(
            "Their answers come to you in a DM, in your working hours, and sit beside your autopsy "
            "in App Home."
        ),
        ActionsBlock(elements=[_withdraw_button(entry)]),
    ]
    return View(type="modal", callback_id=ids.BUYER_LINK_VIEW, title=TITLE, close="Done", blocks=blocks)


def _where_it_stands(shown: LinkShown, zone: ZoneInfo) -> str:
    ask = shown.ask
    until = f"It stays open until {_day(ask.expires_at, zone)}."
    if shown.made == "new":
        return f"A new link, not opened yet. {until}"
    if shown.made == "renewed":
        why = {
            "withdrawn": "the old one was withdrawn, and stays closed",
            "expired": "the old one had expired, and stays closed",
        }.get(shown.replaced or "", "the old one no longer opens")
        return f"A new link: {why}. {until}"
    given = f"The same link you got on {_day(ask.created_at, zone)}"
    if ask.opened_at is not None:
        return f"{given}: opened on {_day(ask.opened_at, zone)}, not answered yet. {until}"
    return f"{given}: not opened yet. {until}"


def _withdraw_button(entry: Autopsy) -> ButtonElement:
    return ButtonElement(
        text="Withdraw link",
        action_id=ids.WITHDRAW_BUYER_LINK,
        value=str(entry.id),
        style="danger",
        confirm=ConfirmObject(
            title="Withdraw the link?",
            text=MarkdownTextObject(
                text=f"The link to *{escape(entry.deal_name)}* stops working at once: whoever opens "
                "it sees a short page saying it's closed, and nothing about the deal. You can make "
                "a new one later."
            ),
            confirm="Withdraw it",
            deny="Keep it",
            style="danger",
        ),
    )


def withdrawn_modal(entry: Autopsy, ask: BuyerAsk | None, *, zone: ZoneInfo) -> View:
    """The link's modal once "Withdraw link" was confirmed: that it is withdrawn, or why it was not
    (the buyer answered first)."""
    deal = escape(entry.deal_name)
    if ask is not None and ask.answered_at is not None:
        blocks: list[Block] = [
            section(
                f"*{deal}* answered on {_day(ask.answered_at, zone)}, before the link was "
                "withdrawn, so there is nothing to withdraw. Here is their side:"
            ),
            section(their_side(entry, ask, zone)),
        ]
    else:
        when = f" on {_day(ask.withdrawn_at, zone)}" if ask is not None and ask.withdrawn_at else ""
        blocks = [
            section(
                f":white_check_mark: *You withdrew the link to {deal}*{when}. It no longer opens: "
                "whoever tries it sees a short page saying it's closed, and nothing about the deal."
            ),
            note("Changed your mind? A new link can be made; the old one stays closed."),
            ActionsBlock(
                elements=[ButtonElement(text="Make a new link", action_id=ids.ASK_BUYER, value=str(entry.id))]
            ),
        ]
    return View(type="modal", callback_id=ids.BUYER_LINK_VIEW, title=TITLE, close="Done", blocks=blocks)


def not_offered_modal() -> View:
    """A click on an ask button drawn while asking was offered, now that it is not."""
    text = "Rebound can't ask buyers for their side here any more: its public page is switched off."
    return View(type="modal", title=TITLE, close="OK", blocks=[section(text)])


def _their_reason(ask: BuyerAsk) -> str | None:
    if ask.main_reason is None:
        return None
    if ask.main_reason == "other" and ask.other_reason:
        return f"Something else: “{escape(ask.other_reason, 250)}”"
    return REASONS.get(ask.main_reason, ask.main_reason)


def _your_reason(entry: Autopsy) -> str:
    return autopsy.REASONS.get(entry.main_reason or "", "") or "_none given_"


def _working_with(ask: BuyerAsk) -> str | None:
    said = [SCORES[ask.working_score]] if ask.working_score in SCORES else []
    if ask.working_with:
        said.append(f"“{escape(ask.working_with, 400)}”")
    return " · ".join(said) or None


def their_side(entry: Autopsy, ask: BuyerAsk, zone: ZoneInfo, *, words: int = 600) -> str:
    """The buyer's answers in a few lines of mrkdwn (their main reason beside the rep's, what
    would have changed their mind, working with the team, whether to get in touch), for the
    author's App Home and DMs; `words`: room for what would have changed their mind."""
    assert ask.answered_at is not None
    lines = [f"*Their side*, answered {_short_day(ask.answered_at, zone)}:"]
    reason = _their_reason(ask)
    if reason is not None:
        lines.append(f"• Main reason: {reason} (you wrote: {_your_reason(entry)})")
    if ask.changed_mind:
        lines.append(f"• What would have changed their mind:\n{quote(ask.changed_mind, words)}")
    if (working := _working_with(ask)) is not None:
        lines.append(f"• Working with the team: {working}")
    if ask.may_contact in MAY_CONTACT:
        lines.append(f"• May you get in touch again? {MAY_CONTACT[ask.may_contact]}")
    return "\n".join(lines)


def asked_line(ask: BuyerAsk, zone: ZoneInfo, now: datetime) -> str:
    """Where an unanswered link stands, for the autopsy's line of facts in App Home."""
    state = link_state(ask, now)
    if state == "withdrawn" and ask.withdrawn_at is not None:
        return f"link to their side withdrawn {_short_day(ask.withdrawn_at, zone)}"
    if state == "expired":
        return f"link to their side expired {_short_day(ask.expires_at, zone)}, unanswered"
    until = f"open until {_short_day(ask.expires_at, zone)}"
    if state == "opened" and ask.opened_at is not None:
        return f"asked for their side: opened {_short_day(ask.opened_at, zone)}, {until}"
    return f"asked for their side: not opened yet, {until}"


def answered_dm(entry: Autopsy, ask: BuyerAsk | None, zone: ZoneInfo) -> Message:
    """The rep's DM once the buyer answered: their answers beside what the rep wrote, the two
    main reasons side by side, and one gentle line when they differ. Sent when the buyer can no
    longer change them."""
    deal = escape(entry.deal_name)
    if ask is None or ask.answered_at is None:  # its ask went (a purge) while the DM waited
        return Message.saying(f"{deal} answered, but their answers aren't here any more.")
    written = _day(entry.created_at, zone)
    blocks: list[Block] = [
        section(
            f"*{deal} answered.* Thank you for asking. Here is their side, "
            f"beside what you wrote on {written}:"
        ),
        SectionBlock(
            fields=[
                MarkdownTextObject(text=f"*Your main reason*\n{_your_reason(entry)}"),
                MarkdownTextObject(text=f"*Their main reason*\n{_their_reason(ask) or '_not given_'}"),
            ]
        ),
    ]
    gentle = disagreement(entry.main_reason, ask.main_reason, ask.other_reason)
    if gentle is not None:
        blocks.append(section(escape(gentle, 600)))
    if ask.changed_mind:
        blocks.append(section(f"*What would have changed their mind:*\n{quote(ask.changed_mind, 2500)}"))
    if (working := _working_with(ask)) is not None:
        blocks.append(section(f"*Working with your team:* {working}"))
    if ask.may_contact in MAY_CONTACT:
        blocks.append(section(f"*May you get in touch again?* {MAY_CONTACT[ask.may_contact]}"))
    if entry.customer_said:
        blocks.append(section(f"*What they told you back then:*\n{quote(entry.customer_said, 1000)}"))
    blocks.append(
        note(f"Their side sits beside your autopsy in App Home too. {WHO_READS.get(entry.sharing, '')}")
    )
    return Message(text=f"{deal} answered", blocks=blocks)
