"""What the tests share, one module per job: the bot as a process, the playground as a run, pages in
a browser, requests shaped like Slack's and the CRMs', databases, example data. Test modules and
conftest.py files import from here, never from each other (tests/unit/test_suite_layout.py checks)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository
