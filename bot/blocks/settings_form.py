"""The workspace settings form, for admins: the digest's channel, day, time, zone and contents,
and the follow-up defaults, filled in with what is in force now. Pure."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    DividerBlock,
    InputBlock,
    NumberInputElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot import ids, workspace
from bot.blocks.elements import note, options, pick, section, text_input
from bot.blocks.mrkdwn import escape
from bot.customer_side import COMPANY_MAX
from bot.digest.week import Schedule


def settings_modal(
    schedule: Schedule, defaults: workspace.FollowUpDefaults, *, company: str | None = None
) -> View:
    """The workspace settings, for admins: the digest's channel, day, time and zone, what it
    shows, the follow-up defaults, and the company's name lost buyers see. Filled in with what
    is in force now."""
    days = options(workspace.DAY_NAMES)
    toggles = options(workspace.OPTIONS)
    on = {
        "empty_week_note": schedule.empty_week_note,
        "hide_anonymous_deal_names": schedule.hide_anonymous_deal_names,
        "digest_chart": schedule.chart,
    }
    return View(
        type="modal",
        callback_id=ids.SETTINGS_VIEW,
        title="Workspace settings",
        submit="Save",
        close="Cancel",
        blocks=[
            section("*The weekly digest*"),
            InputBlock(
                block_id=ids.SET_CHANNEL,
                label="Post it in",
                optional=True,
                hint="No channel, no digest. For a private channel, invite Rebound there first.",
                element=ConversationSelectElement(
                    action_id=ids.SET_CHANNEL,
                    placeholder="Choose a channel",
                    initial_conversation=schedule.channel,
                    filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
                ),
            ),
            InputBlock(
                block_id=ids.SET_DAY,
                label="On",
                element=StaticSelectElement(
                    action_id=ids.SET_DAY, options=days, initial_option=pick(days, schedule.day)
                ),
            ),
            InputBlock(
                block_id=ids.SET_TIME,
                label="At",
                element=TimePickerElement(action_id=ids.SET_TIME, initial_time=schedule.at.strftime("%H:%M")),
            ),
            text_input(
                ids.SET_ZONE,
                "In the time zone",
                64,
                initial=schedule.zone.key,
                hint="For example Europe/Paris.",
            ),
            InputBlock(
                block_id=ids.SET_OPTIONS,
                label="What it shows",
                optional=True,
                element=CheckboxesElement(
                    action_id=ids.SET_OPTIONS,
                    options=toggles,
                    initial_options=[option for option in toggles if on[option.value]] or None,
                ),
            ),
            DividerBlock(),
            section("*Follow-ups*"),
            _days_input(
                ids.SET_TOUCH_BASE_DAYS,
                "Suggest touching base after (days)",
                defaults.touch_base_days,
                workspace.TOUCH_BASE_DAYS,
            ),
            _days_input(
                ids.SET_REVISIT_DAYS,
                "Ask to revisit the notes after (days)",
                defaults.revisit_days,
                workspace.REVISIT_DAYS,
            ),
            DividerBlock(),
            section("*Asking lost buyers for their side*"),
            text_input(
                ids.SET_COMPANY,
                "Your company's name as buyers see it",
                COMPANY_MAX,
                optional=True,
                initial=company,
                hint="Who is asking, on the one-minute page a lost buyer answers and in the note "
                "your reps send with its link. Left empty, neither names a company.",
            ),
            note("Changes apply from the next minute's sweep; nothing needs a restart."),
        ],
    )


def _days_input(block_id: str, label: str, days: int, bounds: tuple[int, int]) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        element=NumberInputElement(
            action_id=block_id,
            is_decimal_allowed=False,
            min_value=str(bounds[0]),
            max_value=str(bounds[1]),
            initial_value=str(days),
        ),
    )


def saved(schedule: Schedule, defaults: workspace.FollowUpDefaults, *, company: str | None = None) -> View:
    """What the settings form shows once saved: that it is, and what is in force now."""
    day = workspace.DAY_NAMES.get(schedule.day, schedule.day)
    if schedule.channel:
        digest = f"in <#{schedule.channel}> every {day} at {schedule.at:%H:%M} ({schedule.zone.key})"
    else:
        digest = "not posted: no channel is chosen"
    follow_ups = (
        f"suggest touching base after {_days(defaults.touch_base_days)}, "
        f"and ask to revisit the notes after {_days(defaults.revisit_days)}"
    )
    return View(
        type="modal",
        title="Workspace settings",
        close="Done",
        blocks=[
            section(":white_check_mark: *Saved.*"),
            section(
                f"*The weekly digest:* {digest}.\n*Follow-ups:* {follow_ups}.\n"
                f"*Your company's name as buyers see it:* {_company(company)}."
            ),
            note("Changes apply from the next minute's sweep; nothing needs a restart."),
        ],
    )


def _company(company: str | None) -> str:
    return f"*{escape(company)}*" if company else "none yet, so the page and the note name no company"


def _days(count: int) -> str:
    return f"{count} {'day' if count == 1 else 'days'}"
