"""What a new autopsy form costs to make, per command, and why `/lost-deal` sends an encoded one.

Prints CPU milliseconds per form (the median of --repeat runs, and their spread) for:
  one-field   a modal with one input, built and validated by slack_sdk (the baseline, run twice
              so its spread against itself shows the noise)
  built       the autopsy form built, validated and encoded for views.open each time
  encoded     `new_autopsy_form`: today's encoded form with the deal's JSON string swapped in

    .venv/bin/python bench/form.py            # ~15 s
    .venv/bin/python bench/form.py --forms 2000 --repeat 9
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.blocks import autopsy_form

TODAY = datetime.now(UTC).date()


def one_field(deal: str) -> str:
    view = View(
        type="modal",
        callback_id="bench",
        title="Lost deal",
        submit="Save",
        blocks=[
            InputBlock(
                block_id="deal",
                label="Deal",
                element=PlainTextInputElement(action_id="deal", initial_value=deal),
            )
        ],
    )
    return json.dumps(view.to_dict(), separators=(",", ":"))


def built(deal: str) -> str:
    return json.dumps(autopsy_form.autopsy_modal(deal, TODAY).to_dict(), separators=(",", ":"))


def encoded(deal: str) -> str:
    return autopsy_form.new_autopsy_form(deal, TODAY)


def cpu_ms_per_form(make: Callable[[str], str], forms: int) -> float:
    started = time.process_time()
    for n in range(forms):
        make(f"Acme Corp {n}")
    return (time.process_time() - started) * 1000 / forms


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--forms", type=int, default=500, help="forms per run (default 500)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per way, median shown (default 5)")
    args = parser.parse_args()
    ways = {"one-field": one_field, "one-field again": one_field, "built": built, "encoded": encoded}
    for make in ways.values():
        make("warm-up")
    runs: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.repeat):  # interleaved, so a slow moment of the machine hits every way
        for name, make in ways.items():
            runs[name].append(cpu_ms_per_form(make, args.forms))
    baseline = statistics.median(runs["one-field"])
    print(f"CPU ms per form, median of {args.repeat} runs of {args.forms} forms (min-max)")
    for name, values in runs.items():
        median = statistics.median(values)
        print(
            f"  {name:<16} {median:8.3f}  ({min(values):.3f}-{max(values):.3f})"
            f"  {median / baseline:6.2f}x one-field"
        )


if __name__ == "__main__":
    main()
