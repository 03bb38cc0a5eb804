"""The buyer's public page: the one-minute questions a lost buyer answers, served by Flask beside
Slack's Request URL (rebound/server.py)."""

from buyer_page.site import ASK_PREFIX, make_buyer_site
from buyer_page.visit_limits import VisitLimits

__all__ = ["ASK_PREFIX", "VisitLimits", "make_buyer_site"]
