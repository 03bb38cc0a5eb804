"""The baseline for bench/core.py: the least a Bolt app can do for `/lost-deal`.

It acks the command and opens a one-field modal with views.open, and acks an autopsy form's
submission, nothing else: no database, no middleware, no slack_sdk models. Served by gunicorn
exactly as Rebound is (1 worker, gthread, 8 threads) through Bolt's WSGI adapter:

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=http://127.0.0.1:PORT/api/ \
    gunicorn --chdir bench --workers 1 --worker-class gthread --threads 8 bare_app:application
"""

from __future__ import annotations

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(
    token=os.environ["SLACK_BOT_TOKEN"],
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)
app.client.base_url = os.environ["SLACK_API_URL"]

MODAL = {
    "type": "modal",
    "callback_id": "bare_view",
    "title": {"type": "plain_text", "text": "Lost deal"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "deal",
            "label": {"type": "plain_text", "text": "Deal or prospect"},
            "element": {"type": "plain_text_input", "action_id": "deal"},
        }
    ],
}


@app.command("/lost-deal")
def lost_deal(ack: Ack, command: dict, client: WebClient) -> None:
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=MODAL)


@app.view("autopsy")
def submitted(ack: Ack) -> None:
    # bench/scale.py's baseline for a view submission: acknowledged, nothing stored.
    ack()


application = SlackRequestHandler(app, path="/slack/events")
