"""Bar charts drawn on the server as SVG geometry: the page's template turns a Chart into <svg> (no script,
nothing to load). Columns over days for figures by date, horizontal bars for figures by category.

Pure: numbers and labels in, rectangles and text positions out. A value may be negative (a day of refunds):
its bar hangs below the zero line. Every bar carries a title for pointer and screen-reader users; the page
also prints the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 720
"""The drawing's width in user units; the SVG scales to the page (viewBox)."""
COLUMN_HEIGHT = 220
ROW_HEIGHT = 26
_TOP, _BOTTOM, _LEFT, _RIGHT = 12, 26, 44, 12
_LABEL_WIDTH = 230
_VALUE_ROOM = 90
_LABEL_MAX_CHARS = 34


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    """What the bar says, in words: "3 Nov 2026: 4"."""
    is_negative: bool


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    """SVG text-anchor: start, middle or end."""


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    texts: list[Text]
    lines: Sequence[tuple[float, float, float, float]]
    """The axes and zero line, as (x1, y1, x2, y2)."""

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


@dataclass(frozen=True, slots=True)
class _Scale:
    """Values to positions along one axis, from `start` (the lowest value) to `end` (the highest)."""

    low: int
    high: int
    start: float
    end: float

    @classmethod
    def over(cls, values: Sequence[int], start: float, end: float) -> _Scale:
        low, high = min(0, *values), max(0, *values)
        return cls(low, high if high > low else low + 1, start, end)

    def at(self, value: int) -> float:
        return round(self.start + (value - self.low) * (self.end - self.start) / (self.high - self.low), 1)


def day_columns(days: Sequence[date], values: dict[date, int], describe: Callable[[date, int], str],
                day_label: Callable[[date], str]) -> Chart:
    """One slot per day of `days`, a column for each day whose value is not zero."""
    plot_width = WIDTH - _LEFT - _RIGHT
    slot = plot_width / max(len(days), 1)
    scale = _Scale.over([0, *values.values()], COLUMN_HEIGHT - _BOTTOM, _TOP)
    zero = scale.at(0)
    bars = []
    for index, day in enumerate(days):
        value = values.get(day, 0)
        if value:
            top = scale.at(value)
            bars.append(Bar(round(_LEFT + index * slot + slot * 0.15, 1), min(top, zero), round(max(slot * 0.7, 1), 1),
                            round(abs(zero - top), 1), describe(day, value), value < 0))
    texts = [Text(_LEFT - 6, scale.at(scale.high) + 4, str(scale.high), "end"), Text(_LEFT - 6, zero + 4, "0", "end")]
    if scale.low < 0:
        texts.append(Text(_LEFT - 6, scale.at(scale.low) + 4, str(scale.low), "end"))
    texts += _day_ticks(days, slot, day_label)
    lines = [(_LEFT, zero, WIDTH - _RIGHT, zero), (_LEFT, _TOP, _LEFT, COLUMN_HEIGHT - _BOTTOM)]
    return Chart(WIDTH, COLUMN_HEIGHT, bars, texts, lines)


def _day_ticks(days: Sequence[date], slot: float, day_label: Callable[[date], str]) -> list[Text]:
    """The first, middle and last days named under the axis."""
    if not days:
        return []
    picks = sorted({0, len(days) // 2, len(days) - 1})
    anchors = {0: "start", len(days) - 1: "end"}
    return [Text(round(_LEFT + index * slot + (slot if index == len(days) - 1 else 0), 1), COLUMN_HEIGHT - 8,
                 day_label(days[index]), anchors.get(index, "middle")) for index in picks]


def category_bars(rows: Sequence[tuple[str, int]], describe: Callable[[str, int], str]) -> Chart:
    """One horizontal bar per (label, value) row, in the order given, the value printed beside it."""
    height = _TOP + ROW_HEIGHT * max(len(rows), 1) + 4
    scale = _Scale.over([0, *(value for _, value in rows)], _LABEL_WIDTH, WIDTH - _VALUE_ROOM)
    zero = scale.at(0)
    bars, texts = [], []
    for index, (label, value) in enumerate(rows):
        top = _TOP + index * ROW_HEIGHT
        end = scale.at(value)
        bars.append(Bar(min(zero, end), top + 4, round(max(abs(end - zero), 1), 1), ROW_HEIGHT - 8,
                        describe(label, value), value < 0))
        middle = top + ROW_HEIGHT / 2 + 4
        texts.append(Text(_LABEL_WIDTH - 8, middle, _shortened(label), "end"))
        texts.append(Text(max(zero, end) + 6, middle, str(value)))
    return Chart(WIDTH, height, bars, texts, [(zero, _TOP, zero, height - 4)])


def _shortened(label: str) -> str:
    """A label that fits left of the bars; the bar's title keeps it whole."""
    return label if len(label) <= _LABEL_MAX_CHARS else label[: _LABEL_MAX_CHARS - 1] + "…"
