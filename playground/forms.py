"""What a person's answers to a modal become in Slack's `view.state.values`: the playground's demo
fills the real autopsy form this way, and the tests do too."""

from __future__ import annotations

from typing import Any


def fill_form(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The `state.values` Slack would send after a rep answers the modal `view`.

    `answers` maps block_id to what the rep typed or picked (an option's value, a date,
    a user ID, a list of checkbox values; for a select whose options the bot loads, the
    name the rep typed and picked, as the bot offers it: "Use “<name>”"). Blocks not in
    `answers` keep their initial value, as in Slack; a choice the modal does not offer fails
    here, not silently.
    """
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        kind = element["type"]
        given = answers.get(block_id, _initial(element))
        state: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "number_input"):
            state["value"] = given
        elif kind in ("static_select", "radio_buttons"):
            state["selected_option"] = None if given is None else _option(element, given)
        elif kind == "external_select":  # the option the bot offered for the name typed
            state["selected_option"] = _loaded_option(element, given)
        elif kind == "checkboxes":
            state["selected_options"] = [_option(element, value) for value in given or []]
        elif kind == "datepicker":
            state["selected_date"] = given
        elif kind == "users_select":
            state["selected_user"] = given
        elif kind == "conversations_select":
            state["selected_conversation"] = given
        elif kind == "timepicker":
            state["selected_time"] = given
        else:
            raise ValueError(f"fill_form does not know {kind}")
        values[block_id] = {element["action_id"]: state}
    return values


def _initial(element: dict[str, Any]) -> Any:
    if "initial_options" in element:
        return [option["value"] for option in element["initial_options"]]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    for key in ("initial_value", "initial_date", "initial_user", "initial_conversation", "initial_time"):
        if element.get(key):
            return element[key]
    return None


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    for option in element["options"]:
        if option["value"] == value:
            return option
    raise ValueError(f"{element['action_id']} offers no option {value!r}")


def _loaded_option(element: dict[str, Any], value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    initial = element.get("initial_option")
    if initial is not None and initial["value"] == value:
        return initial
    return {"text": {"type": "plain_text", "text": f"Use “{value}”", "emoji": True}, "value": value}
