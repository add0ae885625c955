"""Geometry of the statistics page's SVG charts, drawn on the server (no script).

Horizontal bars: the label, then the bar, then its value. In a right-to-left language
every x is mirrored and the SVG's ``direction`` is ``rtl``: a text anchor then names
the same side of the text as in the left-to-right drawing, so the anchors stay as they
are. Each row's full label and figures are in its ``<title>``; the page's table says
the same in words.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

# Narrow enough to keep 13 px text readable once scaled to a phone's width.
WIDTH = 440
LABEL_END = 150  # labels end here, bars start just after
BAR_START = 158
BAR_WIDTH = 200
VALUE_START = BAR_START + BAR_WIDTH + 8
ROW = 30
TOP = 4
LABEL_CHARACTERS = 22
# One shade per stage, light to dark along the pipeline.
STAGE_COLOURS = ("#c9e4e9", "#9ccdd6", "#6fb5c2", "#3f9cad", "#167f92", "#0b5c6b", "#063a44")


@dataclass
class Shape:
    x: float
    width: float
    colour: str = ""
    title: str = ""


@dataclass
class Row:
    y: float
    label: str
    title: str
    label_x: float
    value_x: float
    value: str
    shapes: list[Shape]
    selected: bool = False


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _x(x: float, width: float, rtl: bool) -> float:
    """The left edge of a shape from ``x`` to ``x + width`` once mirrored (if ``rtl``)."""
    return round(WIDTH - x - width if rtl else x, 1)


def _text_x(x: float, rtl: bool) -> float:
    return WIDTH - x if rtl else x


def bar_chart(chart, *, rtl: bool, format_count, format_share) -> dict:
    """Rows of a ``statistics.Chart``: a bar of projects and, under it, a thinner bar of
    the stated investment (when some amount is stated), its value a share of the whole."""
    largest = chart.largest or 1
    invested = chart.amount
    # Both bars are scaled to the chart's largest value, so that neither is a sliver.
    most = max((bar.amount for bar in chart.bars), default=0) or 1
    rows = []
    for index, bar in enumerate(chart.bars):
        y = TOP + index * ROW
        width = round(BAR_WIDTH * bar.count / largest, 1)
        shapes = [Shape(_x(BAR_START, width, rtl), width, "projects")]
        value = format_count(bar.count)
        if invested:
            share = float(bar.amount / invested)
            amount_width = round(BAR_WIDTH * float(bar.amount / most), 1)
            shapes.append(Shape(_x(BAR_START, amount_width, rtl), amount_width, "investment"))
            value = f"{value} · {format_share(share)}"
        rows.append(
            Row(
                y=y,
                label=_short(bar.label),
                title=f"{bar.label}: {value}",
                label_x=_text_x(LABEL_END, rtl),
                value_x=_text_x(VALUE_START, rtl),
                value=value,
                shapes=shapes,
                selected=bar.selected,
            )
        )
    return {"width": WIDTH, "height": TOP * 2 + ROW * len(rows), "rows": rows, "rtl": rtl}


def movement_chart(movement, *, rtl: bool, format_count) -> dict:
    """One row per quarter, a segment per stage entered (stacked along the pipeline)."""
    largest = movement.largest or 1
    stages = movement.stages
    rows = []
    for index, quarter in enumerate(movement.quarters):
        y = TOP + index * ROW
        shapes, start = [], BAR_START
        for (_value, label), count, colour in zip(
            stages, quarter.counts, STAGE_COLOURS, strict=True
        ):
            if not count:
                continue
            width = round(BAR_WIDTH * count / largest, 1)
            title = _("%(stage)s: %(count)s") % {"stage": label, "count": format_count(count)}
            shapes.append(Shape(_x(start, width, rtl), width, colour, title))
            start += width
        value = format_count(quarter.total)
        rows.append(
            Row(
                y=y,
                label=f"\u2066{quarter.label}\u2069",  # isolated: reads 2026-Q1 in Arabic too
                title=f"\u2066{quarter.label}\u2069: {value}",
                label_x=_text_x(LABEL_END, rtl),
                value_x=_text_x(VALUE_START, rtl),
                value=value,
                shapes=shapes,
            )
        )
    legend = [
        (label, colour) for (_value, label), colour in zip(stages, STAGE_COLOURS, strict=True)
    ]
    return {
        "width": WIDTH,
        "height": TOP * 2 + ROW * len(rows),
        "rows": rows,
        "rtl": rtl,
        "legend": legend,
    }
