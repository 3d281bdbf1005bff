"""QtCharts pictures of the reports where a picture reads better than a table.

``chart_for(result)`` returns a ``QChart`` or None (a table says it better: pauses, per-agent
calls). Calls: answered and abandoned as stacked bars with the service level as a line against
the target; channels: stacked bars per month; satisfaction: the 1-5 distribution as percent bars,
and by channel one line of average scores per channel;
late and reopened requests: bars per secretariat (duplicates a bar of their own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QLineSeries,
    QPercentBarSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPen

from agent_desktop.store.supervision import ReportKind, ReportResult
from citizen_center.domain.workflow import Channel
from citizen_center.services.reports import (
    CallStats,
    ChannelMix,
    ChannelSatisfaction,
    LateRequests,
    ReopenStats,
    SatisfactionStats,
)

PALETTE = ("#155eef", "#f79009", "#12b76a", "#7a5af8", "#ee46bc", "#667085")
SCORE_COLOURS = ("#d92d20", "#f97066", "#fdb022", "#73e2a3", "#12b76a")


def tr(text: str) -> str:
    # lupdate files module-level tr() calls under the empty context.
    return QCoreApplication.translate("", text)


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setBold(True)
    font.setPointSizeF(10.5)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _bar_set(label: str, values: Sequence[float], colour: str) -> QBarSet:
    bars = QBarSet(label)
    bars.append([float(v) for v in values])
    bars.setColor(QColor(colour))
    bars.setBorderColor(QColor(colour))
    return bars


def _attach(chart: QChart, series: QAbstractSeries, *axes: QAbstractAxis) -> None:
    for axis in axes:
        series.attachAxis(axis)


def _categories(chart: QChart, keys: Sequence[str]) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append(list(keys))
    if len(keys) > 16:  # days of a month: keep the labels legible
        axis.setLabelsAngle(-60)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    return axis


def _value_axis(
    chart: QChart, top: float, title: str, side: Qt.AlignmentFlag, label_format: str = "%d"
) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, max(top, 1))
    axis.setLabelFormat(label_format)
    axis.setTitleText(title)
    axis.applyNiceNumbers()
    chart.addAxis(axis, side)
    return axis


def _stacked(
    chart: QChart, keys: Sequence[str], sets: Sequence[QBarSet], title: str, percent: bool = False
) -> QBarCategoryAxis:
    series = QPercentBarSeries() if percent else QStackedBarSeries()
    for bars in sets:
        series.append(bars)
    chart.addSeries(series)
    axis = _categories(chart, keys)
    totals = [sum(s.at(i) for s in sets) for i in range(len(keys))]
    values = _value_axis(
        chart, 100 if percent else max(totals, default=1), title, Qt.AlignmentFlag.AlignLeft
    )
    _attach(chart, series, axis, values)
    return axis


def _calls(result: ReportResult) -> QChart:
    rows: list[CallStats] = list(result.items)
    keys = [r.key for r in rows]
    chart = _chart(tr("Calls and service level"))
    axis = _stacked(
        chart,
        keys,
        [
            _bar_set(tr("Answered"), [r.answered for r in rows], PALETTE[0]),
            _bar_set(tr("Abandoned"), [r.abandoned for r in rows], PALETTE[1]),
            _bar_set(tr("Short abandons"), [r.short_abandoned for r in rows], "#fec84b"),
        ],
        tr("calls"),
    )
    level_axis = _value_axis(chart, 100, tr("service level %"), Qt.AlignmentFlag.AlignRight)
    level_axis.setRange(0, 100)
    level = QLineSeries()
    level.setName(tr("Service level %"))
    level.setPen(QPen(QColor("#12b76a"), 2.5))
    for i, row in enumerate(rows):
        if row.service_level is not None:
            level.append(QPointF(i, 100 * row.service_level))
    chart.addSeries(level)
    _attach(chart, level, axis, level_axis)
    return chart


def calls_target(result: ReportResult, target_percent: float) -> QChart:
    """The calls chart with the target drawn as a dashed line."""
    chart = _calls(result)
    axes = chart.axes(Qt.Orientation.Vertical)
    category = chart.axes(Qt.Orientation.Horizontal)[0]
    target = QLineSeries()
    target.setName(tr("Target %1%").replace("%1", f"{target_percent:.0f}"))
    pen = QPen(QColor("#b42318"), 1.5)
    pen.setStyle(Qt.PenStyle.DashLine)
    target.setPen(pen)
    count = max(len(result.items), 1)
    target.append(QPointF(-0.5, target_percent))
    target.append(QPointF(count - 0.5, target_percent))
    chart.addSeries(target)
    _attach(chart, target, category, axes[-1])
    return chart


def _channels(result: ReportResult) -> QChart:
    rows: list[ChannelMix] = list(result.items)
    chart = _chart(tr("Requests by channel, month by month"))
    names = (
        ("phone", tr("Telephone")),
        ("app", tr("App")),
        ("whatsapp", "WhatsApp"),
        ("web", "Web"),
        ("email", tr("E-mail")),
        ("in_person", tr("In person")),
    )
    sets = [
        _bar_set(label, [getattr(r, field) for r in rows], PALETTE[i])
        for i, (field, label) in enumerate(names)
    ]
    _stacked(chart, [r.month for r in rows], sets, tr("requests"))
    return chart


def _satisfaction(result: ReportResult) -> QChart:
    rows: list[SatisfactionStats] = list(result.items)
    chart = _chart(tr("Satisfaction: distribution of scores 1 to 5"))
    sets = [
        _bar_set(
            tr("Score %1").replace("%1", str(n)),
            [getattr(r, f"score_{n}") for r in rows],
            SCORE_COLOURS[n - 1],
        )
        for n in range(1, 6)
    ]
    _stacked(chart, [r.key for r in rows], sets, "%", percent=True)
    return chart


def _satisfaction_by_channel(result: ReportResult) -> QChart:
    rows: list[ChannelSatisfaction] = list(result.items)
    months = sorted({r.month for r in rows})
    chart = _chart(tr("Average score by channel, month by month"))
    axis = _categories(chart, months)
    scores = _value_axis(chart, 5, tr("average score"), Qt.AlignmentFlag.AlignLeft, "%.1f")
    scores.setRange(1, 5)
    for n, channel in enumerate(Channel):
        averages = {r.month: r.average for r in rows if r.channel is channel}
        if not averages:
            continue  # a channel without surveys in the period gets no empty legend entry
        line = QLineSeries()
        line.setName(channel.label_pt)
        line.setPen(QPen(QColor(PALETTE[n % len(PALETTE)]), 2.5))
        for i, month in enumerate(months):
            average = averages.get(month)
            if average is not None:
                line.append(QPointF(i, average))
        chart.addSeries(line)
        _attach(chart, line, axis, scores)
    return chart


def _late(result: ReportResult) -> QChart:
    rows: list[LateRequests] = list(result.items)
    keys = [
        r.secretariat if r.service == "—" else f"{r.secretariat} · {r.service}"[:28] for r in rows
    ]
    chart = _chart(tr("Pending requests: late and on time"))
    _stacked(
        chart,
        keys,
        [
            _bar_set(tr("Late"), [r.late for r in rows], "#d92d20"),
            _bar_set(tr("On time"), [r.pending - r.late for r in rows], "#12b76a"),
        ],
        tr("requests"),
    )
    return chart


def _reopened(result: ReportResult) -> QChart:
    rows: list[ReopenStats] = list(result.items)
    chart = _chart(tr("Resolved and reopened requests per secretariat"))
    _stacked(
        chart,
        [r.secretariat for r in rows],
        [
            _bar_set(tr("Reopened"), [r.reopened for r in rows], "#d92d20"),
            _bar_set(
                tr("Resolved, not reopened"), [r.resolved - r.reopened for r in rows], "#12b76a"
            ),
            # Apart: closed because another request has the problem, not resolved here.
            _bar_set(tr("Closed as duplicates"), [r.duplicates for r in rows], "#98a2b3"),
        ],
        tr("requests"),
    )
    return chart


_BUILDERS: dict[ReportKind, Callable[[ReportResult], QChart]] = {
    ReportKind.CALLS_BY_QUEUE: _calls,
    ReportKind.CALLS_BY_HOUR: _calls,
    ReportKind.CALLS_BY_DAY: _calls,
    ReportKind.CALLS_BY_MONTH: _calls,
    ReportKind.CHANNELS_BY_MONTH: _channels,
    ReportKind.SATISFACTION_BY_MONTH: _satisfaction,
    ReportKind.SATISFACTION_BY_SERVICE: _satisfaction,
    ReportKind.SATISFACTION_BY_AGENT: _satisfaction,
    ReportKind.SATISFACTION_BY_CHANNEL: _satisfaction_by_channel,
    ReportKind.LATE_BY_SECRETARIAT: _late,
    ReportKind.REOPENED: _reopened,
}
CALL_KINDS = frozenset(
    {
        ReportKind.CALLS_BY_QUEUE,
        ReportKind.CALLS_BY_HOUR,
        ReportKind.CALLS_BY_DAY,
        ReportKind.CALLS_BY_MONTH,
    }
)


def chart_for(result: ReportResult, target_percent: float = 80.0) -> QChart | None:
    if not result.items or result.kind not in _BUILDERS:
        return None
    if result.kind in CALL_KINDS:
        return calls_target(result, target_percent)
    return _BUILDERS[result.kind](result)


def has_chart(kind: ReportKind) -> bool:
    return kind in _BUILDERS
