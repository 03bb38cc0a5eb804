"""App Home as Slack shows it to the rep: opening it, the views Rebound publishes, clicks in it."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.views import View

from bot import ids
from playground.emulator import SlackEmulator, new_trigger_id
from tests.support.bot_process import Bot
from tests.support.lost_deal_form import as_dict
from tests.support.slack_requests import FORM, JSON, event_callback, send, unique, view_click


def open_home(bot: Bot, fake: SlackEmulator, user: str, team: str, *, after: int = 0) -> dict[str, Any]:
    """Open the Home tab as Slack reports it; return the view Rebound published."""
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.2"}
    assert send(bot.events_url, event_callback(event, team=team), JSON).status == 200
    return published(fake, user, after=after)


def published(fake: SlackEmulator, user: str, *, after: int = 0) -> dict[str, Any]:
    """The newest Home view published for `user`, once more than `after` have been."""
    calls = fake.wait_for("views.publish", lambda c: c.args.get("user_id") == user, count=after + 1)
    view = as_dict(calls[-1].args["view"])
    View(**view).validate_json()
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return view


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def home_click(
    bot: Bot, user: str, team: str, action: dict[str, Any], *, block_id: str = "home_actions"
) -> str:
    """A click in App Home, shaped as Slack sends it; return its trigger_id."""
    trigger = new_trigger_id()
    home = {"id": "V0HOME", "type": "home", "team_id": team, "blocks": []}
    clicked = view_click(home, {**action, "block_id": block_id}, user=user, team=team, trigger_id=trigger)
    assert send(bot.events_url, clicked, FORM).status == 200
    return trigger


def menu(bot: Bot, user: str, team: str, value: str) -> str:
    """Choose `value` (edit:<id>, delete:<id>) in an autopsy's overflow menu; return the trigger_id."""
    return home_click(
        bot,
        user,
        team,
        {
            "action_id": ids.AUTOPSY_MENU,
            "type": "overflow",
            "selected_option": {"text": {"type": "plain_text", "text": "Edit"}, "value": value},
        },
    )


def modal_for(fake: SlackEmulator, trigger: str) -> dict[str, Any]:
    """The modal Slack was asked to open for `trigger`, checked valid, with a new view id."""
    [call] = fake.wait_for("views.open", lambda c: c.args.get("trigger_id") == trigger)
    view = as_dict(call.args["view"])
    View(**view).validate_json()
    return {**view, "id": unique("V")}


def home_showing(fake: SlackEmulator, user: str, *texts: str) -> dict[str, Any]:
    """The first Home view published for `user` that shows every one of `texts` (waiting for it)."""
    calls = fake.wait_for(
        "views.publish",
        lambda c: (
            c.args.get("user_id") == user and all(t in json.dumps(as_dict(c.args["view"])) for t in texts)
        ),
    )
    view = as_dict(calls[-1].args["view"])
    View(**view).validate_json()
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return view


def element(view: dict[str, Any], action_id: str, *, index: int = 0) -> dict[str, Any]:
    """The `index`th element (button, menu) of a view with `action_id`, wherever its block holds it."""
    found = [
        item
        for block in view["blocks"]
        for item in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]
        if item.get("action_id") == action_id
    ]
    return found[index]
