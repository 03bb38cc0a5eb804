"""The buyer's public page as a Flask app: the one-minute questions at /ask/<token>, the answers
posted back to it, the thank-you page, and a short kind page wherever a link leads nowhere.

Flask and Jinja2 rather than more of rebound/server.py's hand-written router: this page is public
and unauthenticated, and routing, form parsing under a body limit, autoescaped templates and a
static file are what a well-kept framework does; the router only hands it /ask/.

Everything it reads and writes goes through bot.asking.BuyerAsking. Whatever a person wrote is
set on the page by Jinja2's autoescaping, as text. Nothing about the deal behind a link is shown.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask, Response, redirect, render_template, request, url_for
from jinja2 import StrictUndefined
from werkzeug.exceptions import Forbidden, Gone, HTTPException, InternalServerError, NotFound, TooManyRequests

import clock
from bot.asking import BuyerAsking
from bot.customer_side import (
    CHANGED_MIND_FIELD,
    CHANGED_MIND_MAX,
    CORRECTION_WINDOW,
    FORM_TOKEN_FIELD,
    MAY_CONTACT,
    MAY_CONTACT_FIELD,
    NOTHING_ANSWERED,
    OTHER_FIELD,
    OTHER_MAX,
    REASON_FIELD,
    REASONS,
    SCORE_FIELD,
    SCORES,
    WORKING_WITH_FIELD,
    WORKING_WITH_MAX,
    page_state,
    read_answers,
)
from buyer_page.visit_limits import VisitLimits
from storage import AskedOf, BuyerAsk

logger = logging.getLogger("rebound.buyer_page")

ASK_PREFIX = "/ask/"  # every path of this app starts so: one line in the router hands them all here
# The longest answers the form takes (1,500 characters), each a 3-byte character percent-encoded,
# come to 14 KB: anything bigger was not sent by this page.
MAX_BODY = 16 * 1024
NO_COMPANY = "the team you spoke with"  # the sender, until a workspace names itself

# On every answer: no script, font or image from anywhere, forms posted only here, never framed,
# never indexed, and the link (its token) never sent on to another site.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

# What a page that is not the questions says, by status: short, kind, nothing about the deal.
REFUSALS = {
    403: ("This form can't be sent from here", "Please open the link you were sent, and answer there."),
    404: (
        "This link doesn't lead anywhere",
        "It may have been cut short when it was copied. If someone sent it to you, they can send it again.",
    ),
    410: (
        "These questions are closed",
        "Thank you for stopping by. If you answered them, your answers were kept; there is nothing "
        "more to do here.",
    ),
    413: (
        "That was more than this page can take",
        "Please go back, shorten your answers a little, and send them again.",
    ),
    429: ("A lot of requests just now", "Please wait a few minutes, then try again."),
    500: (
        "Something went wrong on our side",
        "Your answers may not have been kept. Please try again in a few minutes.",
    ),
}
ANY_OTHER_REFUSAL = ("This page can't do that", "Please open the link you were sent.")

FIELDS = {
    "reason": REASON_FIELD,
    "other": OTHER_FIELD,
    "changed_mind": CHANGED_MIND_FIELD,
    "working_with": WORKING_WITH_FIELD,
    "score": SCORE_FIELD,
    "may_contact": MAY_CONTACT_FIELD,
    "form_token": FORM_TOKEN_FIELD,
    "nothing": NOTHING_ANSWERED,
}
# Where each error in the summary leads: its field, or a group's first choice.
ANCHORS = {
    REASON_FIELD: f"{REASON_FIELD}-{next(iter(REASONS))}",
    OTHER_FIELD: OTHER_FIELD,
    CHANGED_MIND_FIELD: CHANGED_MIND_FIELD,
    WORKING_WITH_FIELD: WORKING_WITH_FIELD,
    SCORE_FIELD: f"{SCORE_FIELD}-{next(iter(SCORES))}",
    MAY_CONTACT_FIELD: f"{MAY_CONTACT_FIELD}-{next(iter(MAY_CONTACT))}",
    NOTHING_ANSWERED: f"{REASON_FIELD}-{next(iter(REASONS))}",
}


def make_buyer_site(asking: BuyerAsking, *, limits: VisitLimits | None = None) -> Flask:
    """The buyer's page for one deployment's asks, as a WSGI app serving paths under /ask/.

    `limits`: requests per client address and per link (visit_limits' constants unless given).
    """
    limits = limits or VisitLimits()
    site = Flask(__name__, static_url_path=f"{ASK_PREFIX}static")
    site.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    site.jinja_options = {
        **Flask.jinja_options,
        "autoescape": True,
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }
    site.jinja_env.globals.update(
        FIELDS=FIELDS,
        ANCHORS=ANCHORS,
        REASONS=REASONS,
        SCORES={str(score): words for score, words in SCORES.items()},
        MAY_CONTACT=MAY_CONTACT,
        MAX={"other": OTHER_MAX, "changed_mind": CHANGED_MIND_MAX, "working_with": WORKING_WITH_MAX},
    )

    def visited(token: str, now: datetime) -> AskedOf:
        """The ask behind a link, counted against the limits and marked opened; else refused."""
        # The client's address: behind proxies, the one the outermost saw (REBOUND_PROXIES,
        # rebound/server.py's behind_proxies; README: TLS in front).
        wait = limits.wait(asking.store, asking.keys, address=request.remote_addr or "", token=token, now=now)
        if wait is not None:
            raise TooManyRequests(retry_after=wait)
        found = asking.open(token, now=now)
        if found is None:
            raise NotFound()
        if page_state(found.ask, now) == "closed":
            raise Gone()
        return found

    def questions_page(found: AskedOf, now: datetime, **drawn: Any) -> str:
        ask = found.ask
        correcting = page_state(ask, now) == "correcting"
        return render_template(
            "questions.html",
            **_senders(company_of(ask.team_id)),
            form_token=asking.keys.form_token(ask.token_hash, now),
            correcting_minutes=_minutes_left(ask, now) if correcting else None,
            **({"given": _given(ask), "errors": {}, "stale": False} | drawn),
        )

    def company_of(team_id: str) -> str | None:
        with asking.store.read() as work:
            settings = work.workspaces.settings(team_id)
        return settings.company_name if settings is not None else None

    @site.get(f"{ASK_PREFIX}<token>")
    def questions(token: str) -> str:
        now = clock.now()
        return questions_page(visited(token, now), now)

    @site.post(f"{ASK_PREFIX}<token>")
    def answers(token: str) -> Response | tuple[str, int]:
        now = clock.now()
        form = request.form  # a body over MAX_BODY is refused here, before any work
        found = visited(token, now)
        check = asking.keys.form_check(found.ask.token_hash, form.get(FORM_TOKEN_FIELD, ""), now)
        if check == "forged":
            raise Forbidden()
        given, errors = read_answers(form)
        if check == "stale" or given is None:
            # Drawn again with what they wrote: a page left open too long is sent once more.
            drawn = questions_page(found, now, given=form, errors=errors, stale=check == "stale")
            return drawn, 422 if errors else 200
        if asking.answer(found, given, now=now) == "closed":  # withdrawn, or the hour passed, meanwhile
            raise Gone()
        return redirect(url_for("thanks", token=token), 303)

    @site.get(f"{ASK_PREFIX}<token>/thanks")
    def thanks(token: str) -> Response | str:
        now = clock.now()
        found = visited(token, now)
        if found.ask.answered_at is None:  # not answered yet: the questions
            return redirect(url_for("questions", token=token), 303)
        return render_template(
            "thanks.html",
            **_senders(company_of(found.ask.team_id)),
            minutes_left=_minutes_left(found.ask, now),
        )

    @site.errorhandler(HTTPException)
    def refused(error: HTTPException) -> Response:
        return _refusal(error)

    @site.errorhandler(Exception)
    def failed(error: Exception) -> Response:
        # Logged without the path: it holds the link's token.
        logger.error("The buyer's page failed on a %s", request.method, exc_info=error)
        return _refusal(InternalServerError())

    @site.after_request
    def guarded(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    return site


def _refusal(error: HTTPException) -> Response:
    status = error.code or 500
    heading, words = REFUSALS.get(status, ANY_OTHER_REFUSAL)
    response = Response(render_template("refusal.html", heading=heading, words=words), status)
    # Retry-After for 429, Allow for 405: what the exception would have said.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _senders(company: str | None) -> dict[str, str]:
    """Who asks, in mid-sentence and at a sentence's start: the company as it spelled itself."""
    sender = company or NO_COMPANY
    return {"sender": sender, "Sender": sender[:1].upper() + sender[1:], "company": company or ""}


def _minutes_left(ask: BuyerAsk, now: datetime) -> int:
    assert ask.answered_at is not None
    return max(1, math.ceil((ask.answered_at + CORRECTION_WINDOW - now).total_seconds() / 60))


def _given(ask: BuyerAsk) -> Mapping[str, str]:
    """What the buyer sent, as the form holds it (empty before they answer)."""
    return {
        REASON_FIELD: ask.main_reason or "",
        OTHER_FIELD: ask.other_reason or "",
        CHANGED_MIND_FIELD: ask.changed_mind or "",
        WORKING_WITH_FIELD: ask.working_with or "",
        SCORE_FIELD: str(ask.working_score or ""),
        MAY_CONTACT_FIELD: ask.may_contact or "",
    }
