"""The buyer's public page: the one-minute questions a lost buyer answers, served by Flask beside
Slack's Request URL (rebound/server.py)."""
