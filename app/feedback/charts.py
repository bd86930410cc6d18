"""Bar charts of the dashboard and the report, laid out here and drawn as SVG by a template.

No JavaScript library: the server computes every bar, the template writes `<rect>` and `<text>`
elements with CSS classes (the Content-Security-Policy forbids style attributes).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _

from app.models.enums import FeedbackOutcome
from app.services.report import outcome_label

# The SVG is 480 units wide (templates/dashboard/_chart.html): labels end at x=196, bars start
# at x=204 and are at most BAR_AREA long, values follow the bar.
BAR_AREA = 210
ROW = 26
BAR = 18
LABEL_CHARS = 25
MAX_GROUPS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    text: str
    width: float
    y: int
    css: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: list[Bar]
    empty: str = ""

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW + 4

    @property
    def summary(self) -> str:
        """The chart's data as one sentence, for screen readers."""
        if not self.bars:
            return f"{self.title}: {self.empty}"
        return f"{self.title}: " + "; ".join(f"{b.label} {b.text}" for b in self.bars)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(
    chart_id: str,
    title: str,
    items: list[tuple[str, float, str, str]],
    *,
    top: float | None = None,
    empty: str = "",
) -> Chart:
    """items: (label, value, shown text, css class); bars scaled to `top` or the largest value."""
    scale = top or max((value for _l, value, _t, _c in items), default=0) or 1
    bars = [
        Bar(
            label=label,
            short_label=_short(label),
            text=text,
            width=round(BAR_AREA * min(value, scale) / scale, 1),
            y=i * ROW + 2,
            css=css,
        )
        for i, (label, value, text, css) in enumerate(items)
    ]
    return Chart(chart_id, title, bars, empty)


def _count(label: str, value: int, css: str) -> tuple[str, float, str, str]:
    return (label, value, str(value), css)


def _mean_items(groups: list[dict]) -> list[tuple[str, float, str, str]]:
    rated = [g for g in groups if g["feedback"]][:MAX_GROUPS]
    return [
        (
            g["label"],
            g["mean"],
            f"{format_decimal(g['mean'], format='0.0')} ({g['feedback']})",
            "bar-rating",
        )
        for g in rated
    ]


def dashboard_charts(stats: dict) -> list[Chart]:
    """The charts shown on the dashboard and in the report, in order."""
    meetings, arrivals = stats["meetings"], stats["arrivals"]
    dist, outcomes = stats["satisfaction"]["distribution"], stats["outcomes"]
    no_rating = _("No rating yet.")
    return [
        bar_chart(
            "chart-meetings",
            _("Meetings"),
            [
                _count(_("Meetings planned"), meetings["planned"], "bar-planned"),
                _count(_("Meetings held"), meetings["held"], "bar-held"),
                _count(_("No-shows"), meetings["no_show"], "bar-no-show"),
                _count(_("Cancelled"), meetings["cancelled"], "bar-cancelled"),
                _count(_("Past, not confirmed"), meetings["to_confirm"], "bar-pending"),
            ],
        ),
        bar_chart(
            "chart-arrivals",
            _("Arrivals"),
            [
                _count(_("Organisations expected"), arrivals["expected"], "bar-planned"),
                _count(_("Organisations checked in"), arrivals["registrations"], "bar-held"),
                _count(_("Organisations absent"), arrivals["absent"], "bar-no-show"),
            ],
        ),
        bar_chart(
            "chart-ratings",
            _("Ratings"),
            [_count(_("%(n)s out of 5", n=n), dist[str(n)], "bar-rating") for n in range(5, 0, -1)],
        ),
        bar_chart(
            "chart-outcomes",
            _("Outcomes"),
            [
                _count(outcome_label(o), outcomes[o.value], f"bar-{o.value}")
                for o in FeedbackOutcome
            ],
        ),
        bar_chart(
            "chart-sectors",
            _("Mean rating by sector"),
            _mean_items(stats["by_sector"]),
            top=5,
            empty=no_rating,
        ),
        bar_chart(
            "chart-use-cases",
            _("Mean rating by use case"),
            _mean_items(stats["by_use_case"]),
            top=5,
            empty=no_rating,
        ),
    ]
