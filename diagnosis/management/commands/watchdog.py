"""``manage.py watchdog``: re-send or fail stale predictions, once or every few seconds."""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from diagnosis.watchdog import run_watchdog

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send predictions that stayed queued or running too long to the queue again, fail them after the last "
        "attempt, and queue predictions that wait for a model once one is active. Runs once unless --every is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every", type=float, default=0, metavar="SECONDS",
            help="Run again every SECONDS seconds until stopped (default: run once).",
        )

    def handle(self, *args: Any, every: float, **options: Any) -> None:
        if every < 0:
            self.stderr.write("--every must be zero (run once) or a positive number of seconds.")
            return

        while True:
            self._run_once()
            if not every:
                return
            time.sleep(every)

    def _run_once(self) -> None:
        try:
            report = run_watchdog()
        except DatabaseError:
            # Keep looping: the database may come back, and the next round catches up.
            logger.exception("Watchdog round failed because the database is unavailable.")
            return
        self.stdout.write(
            f"Watchdog: {len(report.requeued)} re-sent, {len(report.failed)} failed, "
            f"{report.released} released from waiting for a model."
        )
