"""Time helpers: the generation window, fast ISO formatting, local time and seasonality.

Everything works on integer epoch seconds (or milliseconds). Formatting uses per-day string
prefixes computed once, so no datetime object is built per record.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

DAY = 86_400
DAY_MS = DAY * 1000
WEEK = 7 * DAY
# Days of history before the window that timestamps may fall on (profiles created years ago).
HISTORY_DAYS = 6 * 366

MONTH_WEIGHT = {
    1: 0.85, 2: 0.85, 3: 0.95, 4: 1.0, 5: 1.0, 6: 0.95,
    7: 0.9, 8: 0.9, 9: 1.0, 10: 1.05, 11: 1.25, 12: 1.45,
}  # fmt: skip
WEEKDAY_WEIGHT = (0.95, 0.9, 0.95, 1.0, 1.05, 1.3, 1.35)  # Monday first, in local time
# Share of orders per local hour: quiet nights, a lunch bump and an evening peak.
HOUR_WEIGHT = (
    0.25, 0.15, 0.1, 0.08, 0.08, 0.12, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3,
    1.5, 1.4, 1.2, 1.2, 1.3, 1.5, 1.9, 2.3, 2.6, 2.5, 1.9, 0.9,
)  # fmt: skip
HOUR_CUM = tuple(accumulate(HOUR_WEIGHT))
# Daytime-ish hours for browsing and email reading.
READ_HOUR_WEIGHT = (
    0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1.0, 1.4, 1.3, 1.2, 1.1,
    1.3, 1.2, 1.0, 1.0, 1.0, 1.1, 1.3, 1.5, 1.6, 1.4, 1.0, 0.5,
)  # fmt: skip
READ_HOUR_CUM = tuple(accumulate(READ_HOUR_WEIGHT))


# Clock-face strings, built once: formatting a timestamp is then two lookups.
HMS = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}Z" for s in range(DAY)]
HM = [f"{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60)]
_OFFSETS: dict[int, str] = {}
SS_MS = [f"{ms // 1000:02d}.{ms % 1000:03d}Z" for ms in range(60_000)]


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def seasonal_weight(day: date) -> float:
    """Relative shopping intensity of a calendar day (month, weekday, Black Friday, Xmas)."""
    weight = MONTH_WEIGHT[day.month] * WEEKDAY_WEIGHT[day.weekday()]
    bf = black_friday(day.year)
    delta = (day - bf).days
    if delta == 0:
        weight *= 4.0
    elif delta in (1, 2):
        weight *= 2.2
    elif delta == 3:  # Cyber Monday
        weight *= 3.0
    elif -7 <= delta < 0:
        weight *= 1.4
    elif day.month == 12 and day.day <= 20:
        weight *= 1.2
    elif day.month == 12 and day.day >= 24:
        weight *= 0.6
    return weight


class Clock:
    """The window [start, end] plus precomputed tables for formatting and local time."""

    def __init__(self, end_date: date, days: int) -> None:
        self.end_date = end_date
        self.start_date = end_date - timedelta(days=days - 1)
        self.days = days
        self.start = int(datetime(*self.start_date.timetuple()[:3], tzinfo=UTC).timestamp())
        self.end = self.start + days * DAY - 1  # last second of end_date
        # ISO weeks: index 0 is the week holding the window start.
        self.monday0 = self.start - self.start_date.weekday() * DAY
        n_weeks = (self.end - self.monday0) // WEEK + 1
        self.week_labels = []
        for w in range(n_weeks):
            iso = self.start_date - timedelta(days=self.start_date.weekday() - 7 * w)
            year, week, _ = iso.isocalendar()
            self.week_labels.append(f"{year}-W{week:02d}")
        # Date strings from HISTORY_DAYS before the window to a week after it.
        self.base = self.start - HISTORY_DAYS * DAY
        self.base_ms = self.base * 1000
        first = self.start_date - timedelta(days=HISTORY_DAYS)
        span = HISTORY_DAYS + days + 90
        self.day_str = [(first + timedelta(days=i)).isoformat() for i in range(span)]
        self.day_prefix = [s + "T" for s in self.day_str]
        # Shopping weight of each window day and its running total for sampling.
        self.day_weights = [
            seasonal_weight(self.start_date + timedelta(days=i)) for i in range(days)
        ]
        self.day_cum = list(accumulate(self.day_weights))
        self._offsets: dict[str, list[int]] = {}
        self._last_tz = ""
        self._last_table: list[int] = []

    # -- formatting -------------------------------------------------------------------
    def iso(self, ts: int) -> str:
        """Epoch seconds -> '2026-03-01T18:22:10Z'."""
        d, s = divmod(ts - self.base, DAY)
        return self.day_prefix[d] + HMS[s]

    def iso_ms(self, ms: int) -> str:
        """Epoch milliseconds -> '2026-03-01T18:22:10.120Z'."""
        d, r = divmod(ms - self.base_ms, DAY_MS)
        return self.day_prefix[d] + HM[r // 60_000] + SS_MS[r % 60_000]

    def iso_local(self, ts: int, tz: str) -> str:
        """Epoch seconds -> local time with its UTC offset, '2026-03-01T19:22:10+01:00'."""
        off = self.offset(tz, ts)
        d, s = divmod(ts + off - self.base, DAY)
        if off == 0:
            return self.day_prefix[d] + HMS[s]
        suffix = _OFFSETS.get(off)
        if suffix is None:
            oh, om = divmod(abs(off) // 60, 60)
            suffix = _OFFSETS[off] = f"{'+' if off > 0 else '-'}{oh:02d}:{om:02d}"
        return self.day_prefix[d] + HMS[s][:8] + suffix

    # -- local time -------------------------------------------------------------------
    def _offset_table(self, tz: str) -> list[int]:
        """UTC offset of `tz` per day, indexed like day_str. Local time is only needed from
        a week before the window on, so earlier days repeat that first value."""
        if tz == self._last_tz:
            return self._last_table
        table = self._offsets.get(tz)
        if table is None:
            zone = ZoneInfo(tz)
            lead = 7
            first = datetime(*self.start_date.timetuple()[:3], 12, tzinfo=UTC)
            first -= timedelta(days=lead)
            recent = []
            for i in range(lead + self.days + 90):
                offset = (first + timedelta(days=i)).astimezone(zone).utcoffset()
                recent.append(int(offset.total_seconds()) if offset else 0)
            table = [recent[0]] * (HISTORY_DAYS - lead) + recent
            self._offsets[tz] = table
        self._last_tz, self._last_table = tz, table
        return table

    def offset(self, tz: str, ts: int) -> int:
        """UTC offset in seconds of zone `tz` on the UTC day of `ts` (noon sample)."""
        return self._offset_table(tz)[(ts - self.base) // DAY]

    def local_to_utc(self, tz: str, day_index: int, seconds: int) -> int:
        """Window day `day_index` at local clock `seconds` after midnight -> epoch seconds."""
        table = self._offset_table(tz)
        return self.start + day_index * DAY + seconds - table[HISTORY_DAYS + day_index]

    def sample_day(self, rnd: float, lo: int = 0, hi: int | None = None) -> int:
        """A window day index in [lo, hi) drawn by seasonal weight; rnd uniform in [0, 1)."""
        cum = self.day_cum
        if hi is None:
            hi = self.days
        if hi <= lo:
            return min(max(lo, 0), self.days - 1)
        base = cum[lo - 1] if lo > 0 else 0.0
        x = base + rnd * (cum[hi - 1] - base)
        return min(bisect_right(cum, x, lo, hi), hi - 1)

    @staticmethod
    def sample_hour(rnd: float, reading: bool = False) -> int:
        cum = READ_HOUR_CUM if reading else HOUR_CUM
        return min(bisect_right(cum, rnd * cum[-1]), 23)
