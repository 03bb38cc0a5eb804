"""The pieces Rebound's forms and pages are made of: inputs, selects, a line of text, a note."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)


def section(text: str) -> SectionBlock:
    """A line (or a few) of mrkdwn."""
    return SectionBlock(text=MarkdownTextObject(text=text))


def note(text: str) -> ContextBlock:
    """Small grey mrkdwn below what it is about."""
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def options(choices: dict[str, str]) -> list[Option]:
    return [Option(value=value, text=label) for value, label in choices.items()]


def text_input(
    block_id: str,
    label: str,
    limit: int,
    *,
    optional: bool = False,
    multiline: bool = False,
    hint: str | None = None,
    placeholder: str | None = None,
    initial: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            multiline=multiline,
            max_length=limit,
            placeholder=placeholder,
            initial_value=initial or None,
        ),
    )


def select(
    block_id: str,
    label: str,
    choices: dict[str, str],
    placeholder: str,
    *,
    optional: bool = False,
    initial: str | None = None,
) -> InputBlock:
    choices_shown = options(choices)
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=StaticSelectElement(
            action_id=block_id,
            placeholder=placeholder,
            options=choices_shown,
            initial_option=pick(choices_shown, initial),
        ),
    )


def pick(options: list[Option], value: str | None) -> Option | None:
    return next((option for option in options if option.value == value), None)
