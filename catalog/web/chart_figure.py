"""The geometry of a chart drawn as SVG on the server: bars or a line from datastore_aggregate's groups, a value
axis with round ticks. No drawing library: a few rectangles, a polyline and text, placed here and written out by
templates/_chart_svg.html (so the chart is seen without script, and is the same in the page and the .svg file)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

WIDTH = 760
HEIGHT = 400
LEFT, RIGHT, TOP = 80, 20, 20
LABEL_CHARS = 18
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(text: str) -> str:
    """Without the control characters XML 1.0 forbids (the .svg would not parse) and a page has no use for."""
    return CONTROL_CHARACTERS.sub("", text)


@dataclass
class Mark:
    """One group: its bar (x, y, width, height) or its point (cx, cy), with the label under the axis."""

    key: str  # the group's key as data-key
    label: str
    value: float | int | None
    x: float
    y: float
    width: float
    height: float
    cx: float
    cy: float
    label_x: float
    is_others: bool = False


@dataclass
class Figure:
    kind: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    zero_y: float
    ticks: list[tuple[float, float]] = field(default_factory=list)  # (value, y)
    marks: list[Mark] = field(default_factory=list)
    slanted: bool = False

    @property
    def points(self) -> str:
        return " ".join(f"{m.cx:.1f},{m.cy:.1f}" for m in self.marks if m.value is not None and not m.is_others)


def nice_step(span: float, count: int = 5) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about `count` ticks over span."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def ticks_for(low: float, high: float) -> list[float]:
    step = nice_step(high - low)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    count = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def figure(groups: list[dict[str, Any]], kind: str, labels: list[str], others: tuple[str, Any] | None) -> Figure:
    """groups: datastore_aggregate's groups; labels: each group's label as shown; others: (label, value) of the
    remaining groups, drawn as a last bar (bars only)."""
    values = [g["value"] for g in groups]
    entries = [(printable(str(g["key"])), label, g["value"], False) for g, label in zip(groups, labels, strict=True)]
    if others is not None and kind == "bar":
        entries.append(("", others[0], others[1], True))
        values.append(others[1])
    known = [float(v) for v in values if v is not None]
    low, high = min([0.0, *known]), max([0.0, *known])
    if low == high:
        high = low + 1
    ticks = ticks_for(low, high)
    low, high = ticks[0], ticks[-1]
    slanted = len(entries) > 8 or any(len(e[1]) > 10 for e in entries)
    bottom = HEIGHT - (110 if slanted else 40)
    plot_width = WIDTH - LEFT - RIGHT

    def y_of(value: float) -> float:
        return TOP + (high - value) / (high - low) * (bottom - TOP)

    result = Figure(kind=kind, width=WIDTH, height=HEIGHT, plot_left=LEFT, plot_right=WIDTH - RIGHT,
                    plot_top=TOP, plot_bottom=bottom, zero_y=y_of(0), slanted=slanted,
                    ticks=[(tick, y_of(tick)) for tick in ticks])
    band = plot_width / max(len(entries), 1)
    for index, (key, label, value, is_others) in enumerate(entries):
        center = LEFT + band * (index + 0.5)
        top = y_of(float(value)) if value is not None else result.zero_y
        result.marks.append(Mark(
            key=key, label=short(label), value=value, x=LEFT + band * index + band * 0.1, y=min(top, result.zero_y),
            width=band * 0.8, height=abs(result.zero_y - top), cx=center, cy=top, label_x=center,
            is_others=is_others))
    return result
