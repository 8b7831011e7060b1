"""Read the panels' data, draw them, and write the page and its preview.

The page is one HTML file with everything inside: the Vega, Vega-Lite and Vega-Embed JavaScript
(vl-convert's bundle), every chart's spec with its data, and both languages. It opens offline by
double-click and survives being mailed. The preview PNG is drawn by vl-convert, without a browser,
so a night on a machine with no Chromium still gets one.

A panel whose tables are missing or empty (a first night before the member list arrives, a shop
with no campaigns yet) shows why instead of a chart; the page is always written.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import pandas as pd

from dashboard import numbers

if TYPE_CHECKING:
    from dashboard.panels import Panel

TEMPLATES = Path(__file__).parent / "templates"
# beside the demo's warehouse (.fugou/ is the project's own and ignored by git)
JAVASCRIPT_CACHE = Path(__file__).resolve().parent.parent / ".fugou" / "cache"
# Debian's fonts-noto-cjk, which the set-up installs: vl-convert draws Chinese with it
CJK_FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/noto"))
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

CHART_CONFIG = {
    "font": FONT_FAMILY,
    "view": {"stroke": None},
    "title": {"anchor": "start", "fontSize": 13, "fontWeight": "normal", "color": "#444"},
    "axis": {"labelFontSize": 11, "titleFontSize": 11},
    "legend": {"labelFontSize": 11},
}


@dataclass
class PanelView:
    key: str
    title: dict[str, str]
    note: dict[str, str]
    rows: int
    wide: bool
    specs: dict[str, dict] = field(default_factory=dict)
    # shown instead of a chart, per language, when there is nothing to draw
    message: dict[str, str] | None = None


@dataclass
class Check:
    name: str
    asset: str
    status: str  # passed, failed, warning, not run
    detail: str = ""


@dataclass
class Dashboard:
    as_of: dt.date
    generated_at: dt.datetime
    panels: list[PanelView]
    tiles: list[dict]
    checks: list[Check]
    identity_precision: float | None = None

    @property
    def empty_panels(self) -> list[str]:
        return [p.key for p in self.panels if p.message is not None]


def _read_panel(panel: Panel, read: Callable[[str], pd.DataFrame], schemas: dict[str, str]):
    return {name: _typed(read(sql.format(**schemas))) for name, sql in panel.queries.items()}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The same column types from every target: PostgreSQL's driver returns DECIMAL as Python
    Decimals and DATE as Python dates, which the charts' JSON cannot carry as numbers and
    dates; DuckDB's returns floats and datetimes."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column].dropna()
        if frame[column].dtype != object or values.empty:
            continue
        if all(isinstance(v, Decimal) for v in values):
            frame[column] = pd.to_numeric(frame[column].map(_float), errors="coerce")
        elif all(isinstance(v, dt.date) for v in values):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def _why(exc: Exception) -> dict[str, str]:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return {"zh": f"暂无数据：{text}", "en": f"Nothing to show yet: {text}"}


def build(
    read: Callable[[str], pd.DataFrame],
    as_of: dt.date,
    *,
    marts_schema: str = "marts",
    raw_schema: str = "raw",
    checks: list[Check] | None = None,
    identity_precision: float | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> Dashboard:
    """Every panel's charts in both languages, from `read` (SQL in, DataFrame out)."""
    schemas = {"marts": marts_schema, "raw": raw_schema}
    views = []
    # Imported here: Altair costs every process that loads the Dagster definitions a second,
    # and only the asset's own step draws.
    from dashboard.panels import PANELS

    for panel in PANELS:
        view = PanelView(panel.key, panel.title, panel.note, rows=0, wide=panel.wide)
        try:
            frames = _read_panel(panel, read, schemas)
        except Exception as exc:  # a table not built yet: say so on the page, keep the night
            warn(f"dashboard panel {panel.key}: {exc}")
            view.message = _why(exc)
            views.append(view)
            continue
        view.rows = len(frames[panel.main_frame])
        if view.rows == 0:
            view.message = {
                "zh": "暂无数据：相关表还没有行。",
                "en": "Nothing to show yet: its tables have no rows.",
            }
            views.append(view)
            continue
        try:
            for lang in numbers.LANGS:
                chart = panel.draw(frames, lang)
                view.specs[lang] = {**chart.to_dict(), "config": CHART_CONFIG}
        except Exception as exc:  # a drawing bug must not cost the night its page
            warn(f"dashboard panel {panel.key} could not be drawn: {exc!r}")
            view.specs = {}
            view.message = _why(exc)
        views.append(view)
    return Dashboard(
        as_of=as_of,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        panels=views,
        tiles=_tiles(read, schemas, warn),
        checks=checks or [],
        identity_precision=identity_precision,
    )


def _tiles(read, schemas, warn) -> list[dict]:
    """The figures an operator reads first, in both languages."""
    try:
        from dashboard.panels import CUSTOMERS, HEADLINE

        kpis = _typed(read(HEADLINE.format(**schemas)))
        customers = _typed(read(CUSTOMERS.format(**schemas)))
    except Exception as exc:
        warn(f"dashboard headline: {exc}")
        return []
    tiles = []
    if not customers.empty:
        total = _float(customers["customer_count"].iloc[0])
        repeat = _float(customers["repeat_count"].iloc[0])
        tiles.append(_tile("客户数", "customers", total, numbers.count))
        tiles.append(
            _tile(
                "复购客户占比",
                "repeat customers",
                repeat / total if total else None,
                numbers.percent,
            )
        )
    if not kpis.empty:
        latest = kpis.iloc[0]
        month = pd.Timestamp(latest["month_start_date"])
        zh_month, en_month = f"{month.month}月", month.strftime("%b %Y")
        tiles.append(
            _tile(f"{zh_month}成交额", f"GMV {en_month}", latest["gmv_amount"], numbers.money)
        )
        tiles.append(
            _tile(f"{zh_month}客单价", f"AOV {en_month}", latest["aov_amount"], numbers.money)
        )
        tiles.append(
            _tile(
                f"{zh_month}退款率",
                f"refund rate {en_month}",
                latest["refund_rate"],
                numbers.percent,
            )
        )
        nps = _float(latest["nps"])
        tiles.append(
            {
                "label": {"zh": f"{zh_month}NPS", "en": f"NPS {en_month}"},
                "value": {lang: "–" if nps is None else f"{nps:+.0f}" for lang in numbers.LANGS},
            }
        )
    return tiles


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _tile(zh: str, en: str, value, fmt) -> dict:
    return {
        "label": {"zh": zh, "en": en},
        "value": {lang: fmt(value, lang) for lang in numbers.LANGS},
    }


@cache
def _javascript() -> str:
    """vl-convert's bundle (the default snippet puts vegaEmbed, vegaLite and vega on window).
    Building it takes 1.5 s and gives the same 0.9 MB for one vl-convert version, so every
    night after the first reads it from the project's cache folder."""
    import vl_convert

    cached = JAVASCRIPT_CACHE / f"vega-bundle-vl-convert-{vl_convert.__version__}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    code = vl_convert.javascript_bundle()
    try:  # written whole, then moved into place: parallel renders never read half a file
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=cached.parent, suffix=".tmp", delete=False
        ) as out:
            out.write(code)
        os.replace(out.name, cached)
    except OSError:  # a read-only checkout renders as before, only slower
        pass
    return code


@cache
def _locales() -> dict:
    import vl_convert

    return {
        "zh": {
            "format": vl_convert.get_format_locale("zh-CN"),
            "time": vl_convert.get_time_format_locale("zh-CN"),
        },
        "en": {
            "format": vl_convert.get_format_locale("en-US"),
            "time": vl_convert.get_time_format_locale("en-US"),
        },
    }


def render_html(dashboard: Dashboard) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    specs = {p.key: p.specs for p in dashboard.panels if p.specs}
    return env.get_template("dashboard.html.j2").render(
        dashboard=dashboard,
        failed_checks=[c for c in dashboard.checks if c.status in ("failed", "warning")],
        specs_json=_script_json(specs),
        locales_json=_script_json(_locales()),
        vega_javascript=_javascript_safe(_javascript()),
        font_family=FONT_FAMILY,
    )


def _script_json(value) -> str:
    """JSON that may sit inside a <script> element: a shop's text could hold `</script>`."""
    return _script_safe(json.dumps(value, ensure_ascii=False, default=str))


def _script_safe(text: str) -> str:
    return text.replace("</", "<\\/")


def _javascript_safe(code: str) -> str:
    """Code that may sit inside a <script> element: only `</script` would end it early, and
    `<\\/script` means the same in a JavaScript string, regular expression or template."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def render_png(dashboard: Dashboard, lang: str = "zh") -> tuple[bytes, str]:
    """A preview of the charts as one picture, and the language it is in: English where no
    Chinese font is installed, rather than boxes where the characters should be."""
    import vl_convert

    if lang == "zh":
        font_dir = next((d for d in CJK_FONT_DIRS if any(d.glob("*CJK*"))), None)
        if font_dir is None:
            lang = "en"
        else:
            vl_convert.register_font_directory(str(font_dir))
    charts = []
    for panel in dashboard.panels:
        if lang not in panel.specs:
            continue
        spec = dict(panel.specs[lang])
        spec.pop("config", None)
        spec.pop("$schema", None)
        title = panel.title[lang]
        charts.append({"title": {"text": title, "fontSize": 16, "anchor": "start"}, **spec})
    if not charts:
        return b"", lang
    preview = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "vconcat": charts,
        "spacing": 28,
        "config": CHART_CONFIG,
    }
    # every panel's datasets travel with its spec; the concatenation needs them at the top
    datasets = {}
    for chart in charts:
        datasets.update(chart.pop("datasets", {}))
    if datasets:
        preview["datasets"] = datasets
    png = vl_convert.vegalite_to_png(
        preview,
        scale=1.0,
        format_locale=_locales()[lang]["format"],
        time_format_locale=_locales()[lang]["time"],
    )
    return png, lang


def folder_for(published_warehouse: Path) -> Path:
    """Beside the BI copy: where an operator is pointed for tonight's results."""
    return published_warehouse.parent / "dashboard"


def write(
    dashboard: Dashboard, folder: Path, warn: Callable[[str], None] = lambda message: None
) -> dict[str, Path]:
    """dashboard.html and dashboard.png in `folder`, each written whole or not at all. The page
    is what the operator opens: a preview that cannot be drawn costs a warning, not the page."""
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / "dashboard.html"
    _replace(html, render_html(dashboard).encode("utf-8"))
    written = {"html": html}
    try:
        png, _lang = render_png(dashboard)
    except Exception as exc:
        warn(f"dashboard preview not drawn: {exc!r}")
        png = b""
    if png:
        image = folder / "dashboard.png"
        _replace(image, png)
        written["png"] = image
    return written


def _replace(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
