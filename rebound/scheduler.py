"""The cadence: APScheduler runs the follow-up and digest sweeps every minute. The database
decides what is due."""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

import clock
from bot.config import Settings
from bot.crm.prompter import CrmPrompter
from bot.digest.posting import DigestSweep
from bot.followups.delivery import FollowUpSweep
from bot.slack.installs import installs_for
from storage import Store

logger = logging.getLogger("rebound.scheduler")

FOLLOW_UP_SWEEP = "follow_up_sweep"
DIGEST_SWEEP = "digest_sweep"


def sweep_now(sweep: FollowUpSweep | DigestSweep) -> None:
    try:
        sweep.run(clock.now())
    except SQLAlchemyError as error:
        # The next minute tries again; nothing claimed is lost (its lease runs out).
        what = "Digest" if isinstance(sweep, DigestSweep) else "Follow-up"
        logger.warning("%s sweep skipped, the database did not answer: %s", what, str(error).splitlines()[0])


def start_scheduler(settings: Settings, store: Store) -> BackgroundScheduler:
    """Start the sweeps in a background thread, the first one at once (catching up after a restart)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    speakers = installs_for(settings, store)
    for job_id, sweep in (
        (
            FOLLOW_UP_SWEEP,
            FollowUpSweep(
                store,
                speakers,
                settings.timezone,
                CrmPrompter(store, settings.crm),
                offer_asking=settings.buyer_page_url is not None,
            ),
        ),
        (DIGEST_SWEEP, DigestSweep(store, speakers, settings)),
    ):
        scheduler.add_job(
            sweep_now,
            "interval",
            minutes=1,
            args=[sweep],
            id=job_id,
            replace_existing=True,
            next_run_time=clock.system_now(),  # APScheduler keeps the system's time: the first sweep at once
            max_instances=1,  # a slow sweep is not joined by a second one in the same process
            coalesce=True,
            misfire_grace_time=None,  # late is better than never: the database knows what is owed
        )
    scheduler.start()
    logger.info("Follow-up and digest sweeps every minute")
    return scheduler
