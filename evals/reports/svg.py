"""Small inline SVG charts (horizontal bars, a histogram), written here so reports need nothing online."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img">'
_BAR = "#3b6ea5"
_BAR2 = "#e08a3c"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    maximum: float | None = None,
    fmt: str = "{:.0%}",
    title: str = "",
    second: Sequence[float] | None = None,
    legend: tuple[str, str] | None = None,
) -> str:
    """Horizontal bars, one row a label; `second` stacks a second series after the first."""
    row, label_w, bar_w = 22, 170, 360
    totals = [v + (second[i] if second else 0) for i, v in enumerate(values)]
    top = maximum if maximum is not None else max(totals, default=0) or 1
    height = row * len(labels) + 30 + (18 if legend else 0)
    parts = [_SVG.format(w=label_w + bar_w + 90, h=height)]
    parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 20 + i * row
        w = bar_w * value / top
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(label[:28])}</text>"
        )
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{_BAR}"/>')
        shown = value
        if second is not None:
            w2 = bar_w * second[i] / top
            parts.append(
                f'<rect x="{label_w + w:.1f}" y="{y + 3}" width="{w2:.1f}" '
                f'height="{row - 6}" fill="{_BAR2}"/>'
            )
            w += w2
            shown = value + second[i]
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="12">{escape(fmt.format(shown))}</text>'
        )
    if legend:
        y = 20 + len(labels) * row + 4
        for j, (name, colour) in enumerate(zip(legend, (_BAR, _BAR2), strict=True)):
            x = label_w + j * 150
            parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
            parts.append(f'<text x="{x + 16}" y="{y + 11}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    values: Sequence[float], *, bins: int = 12, title: str = "", unit: str = "s", digits: int = 2
) -> str:
    """A histogram of `values` with equal-width bins; an empty chart says so."""
    width, height, pad = 520, 200, 30
    if not values:
        return _SVG.format(w=width, h=40) + '<text x="4" y="24">no data</text></svg>'
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / span * bins))] += 1
    top = max(counts)
    bar_w = (width - 2 * pad) / bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" role="img">']
    parts.append(f"<title>{escape(title)}</title>")
    for i, c in enumerate(counts):
        h = (height - 20) * c / top
        x = pad + i * bar_w
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{_BAR}"/>'
        )
        if c:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - h - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{c}</text>'
            )
    parts.append(f'<line x1="{pad}" y1="{height}" x2="{width - pad}" y2="{height}" stroke="#333"/>')
    parts.append(f'<text x="{pad}" y="{height + 16}" font-size="11">{low:.{digits}f}{unit}</text>')
    parts.append(
        f'<text x="{width - pad}" y="{height + 16}" font-size="11" text-anchor="end">'
        f"{high:.{digits}f}{unit}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
