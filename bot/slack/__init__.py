"""Slack's side of the wire: the Web API clients and their failures (`web_api`), who speaks for
each workspace (`installs`) and what Slack's answers mean for a delivery (`receipts`)."""
