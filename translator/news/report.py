"""The end of a follow round: ``DIR/report.json`` (written atomically), the one-line summary and a
line per failure on stderr; and the round's progress bars (items, and sentences within them), as
the folder batch shows them (on a terminal only).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from translator.system.durable import atomic_write
from translator.system.terminal import ProgressBars

ITEM_STATUSES = ("new", "updated", "unchanged", "skipped", "failed")


class Bars(ProgressBars):
    """An articles bar and a sentences bar on stderr (the shared :class:`translator.system.durable.ProgressBars`):
    every method is a no-op when disabled or when stderr is not a terminal (cron, systemd)."""

    def __init__(self, items: int, enabled: bool) -> None:
        super().__init__(items, enabled, unit="item", desc="articles")

    def item(self) -> tuple[Callable[[int, int], None], Callable[[], int]]:
        """A ``progress(done, total)`` callback for one item's translation, and a ``finish()``
        that closes the item and returns how many sentences it had."""
        progress, finish_part = self.part()

        def finish() -> int:
            sentences = finish_part()
            self.step()
            return sentences

        return progress, finish


def counts(items: list[dict[str, Any]], sources: list[dict[str, Any]]) -> dict[str, int]:
    """How many items ended in each status, and how many feeds were read, not modified, failed."""
    found = {status: sum(item["status"] == status for item in items) for status in ITEM_STATUSES}
    for status in ("read", "not modified", "failed"):
        found[f"feeds {status}"] = sum(source["status"] == status for source in sources)
    return found


def write_report(path: Path, report: dict[str, Any]) -> dict[str, Any]:
    """Write ``report`` as JSON to ``path`` (atomically); return it."""
    atomic_write(path, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return report


def summary_line(report: dict[str, Any]) -> str:
    """``translator follow: 3 new, 1 updated, ... ; feeds: ...; N sentences; S s; report: PATH``."""
    c = report["counts"]
    items = ", ".join(f"{c[status]} {status}" for status in ITEM_STATUSES)
    feeds = f"feeds: {c['feeds read']} read, {c['feeds not modified']} not modified, {c['feeds failed']} failed"
    return (
        f"translator follow: {items}; {report['known']} already done; {feeds}; "
        f"{report['sentences']} sentences; {report['seconds']:.1f} s; report: {report['path']}"
    )


def print_summary(report: dict[str, Any]) -> None:
    """The summary line on stderr, then one line per failed feed and item."""
    print(summary_line(report), file=sys.stderr)
    for source in report["sources"]:
        if source["status"] == "failed":
            reason = source["reason"].removeprefix(f"{source['feed']}: ")
            print(f"  failed feed: {source['source']}: {reason}", file=sys.stderr)
    for item in report["items"]:
        if item["status"] == "failed":
            print(f"  failed: {item['link']}: {item['reason'].removeprefix(item['link'] + ': ')}", file=sys.stderr)
