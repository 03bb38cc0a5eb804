"""The cadence: APScheduler runs the follow-up sweep every minute. The database decides what is due."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import SQLAlchemyError

from bot.app import sweep_client
from bot.config import Settings
from bot.followups import Sweep
from storage import Store

logger = logging.getLogger("rebound.scheduler")

FOLLOW_UP_SWEEP = "follow_up_sweep"


def sweep_now(sweep: Sweep) -> None:
    try:
        sweep.run(datetime.now(UTC))
    except SQLAlchemyError as error:
        # The next minute tries again; nothing claimed is lost (its lease runs out).
        logger.warning("Follow-up sweep skipped, the database did not answer: %s", str(error).splitlines()[0])


def start_scheduler(settings: Settings, store: Store) -> BackgroundScheduler:
    """Start the sweeps in a background thread, the first one at once (catching up after a restart)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        sweep_now,
        "interval",
        minutes=1,
        args=[Sweep(store, sweep_client(settings), settings.timezone)],
        id=FOLLOW_UP_SWEEP,
        replace_existing=True,
        next_run_time=datetime.now(UTC),
        max_instances=1,  # a slow sweep is not joined by a second one in the same process
        coalesce=True,
        misfire_grace_time=None,  # late is better than never: the database knows what is owed
    )
    scheduler.start()
    logger.info("Follow-up sweeps every minute")
    return scheduler
