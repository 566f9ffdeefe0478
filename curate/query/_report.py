"""A self-contained HTML report with SVG bar charts (no scripts, no external files)."""

from __future__ import annotations

import base64
import html
from datetime import datetime, timezone
from curate.query._stats import token_cell

BAR = "#3b6ea5"
CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}
h1{font-size:22px}h2{font-size:16px;margin:28px 0 6px}table{border-collapse:collapse}
td,th{padding:3px 12px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:8px 28px}
.note{color:#777}.thumbs{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;width:230px}figure img{max-width:220px;border:1px solid #ddd}figcaption{font-size:12px}
svg text{font:12px system-ui,sans-serif;fill:#333}"""


def bar_chart(pairs: list[tuple], width: int = 520) -> str:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    if not pairs:
        return '<p class="note">no data</p>'
    top = max(float(v or 0) for _, v in pairs) or 1.0
    # labels are shown whole (a removal reason, a domain): the label column grows to the longest,
    # at about 7 px a character; only a label past 72 characters is cut, and its tooltip is whole
    longest = max(min(len(str(label)), 72) for label, _ in pairs)
    row, label_w = 22, max(120, 7 * longest + 12)
    width = max(width, label_w + 250)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(pairs) + 6}" role="img">']
    for i, (label, value) in enumerate(pairs):
        y = i * row + 3
        w = max(1.0, (width - label_w - 90) * float(value or 0) / top)
        label = str(label)
        text = html.escape(label if len(label) <= 72 else label[:71] + "…")
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end"><title>{html.escape(label)}</title>'
                     f'{text}</text>'
                     f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 6}" fill="{BAR}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 15}">{int(value or 0):,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def thumbnails(items: list[dict]) -> str:
    """Figure thumbnails with their captions (cut at 200 characters), images inline as data URIs."""
    if not items:
        return ""
    cells = []
    for item in items:
        text = item["caption"] + (f" ({item['sub_caption']})" if item.get("sub_caption") else "")
        text = text if len(text) <= 200 else text[:199] + "…"
        src = "data:image/png;base64," + base64.b64encode(item["png"]).decode()
        cells.append(f'<figure><img src="{src}" alt="{html.escape(item["paper_id"])}">'
                     f'<figcaption><b>{html.escape(item["paper_id"])}</b>: {html.escape(text)}</figcaption></figure>')
    return f"<h2>Figures (a few of them)</h2><div class='thumbs'>{''.join(cells)}</div>"


def render(stats: dict, title: str = "curate corpus report") -> str:
    rows = "".join(f"<tr><td>{html.escape(n)}</td><td>{d['rows']:,}</td>"
                   f"<td>{'' if d['tokens'] is None else token_cell(d)}</td></tr>"
                   for n, d in stats["datasets"].items())
    charts = "".join(f'<section><h2>{html.escape(t)}</h2>{bar_chart(p)}</section>'
                     for t, p in stats["charts"].items())
    missing = [] if any("Math score" in t for t in stats["charts"]) else \
        ['<p class="note">No math scores yet: score histograms and per-round recall charts appear once '
         'a math recall run (curate math recall) has written its datasets under this root.</p>']
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p class='note'>{html.escape(stats['root'])} &middot; {stamp}</p>"
            f"<h2>Datasets</h2><table><tr><th>dataset</th><th>rows</th><th>tokens</th></tr>{rows}</table>"
            "<p>~: approximate (characters / 4); other token counts are the tokenizer's.</p>"
            f"<div class='grid'>{charts}</div>{thumbnails(stats.get('thumbnails', []))}{''.join(missing)}"
            f"</body></html>")
