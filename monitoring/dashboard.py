"""The Grafana dashboard of syncd, as code: alignment, drift against the tolerance, trackers and the process.

Built with Grafana's own Foundation SDK, so every panel is a typed builder rather than hand-written JSON.
``syncd-dashboard.json`` beside this file is its output, for import into Grafana (Dashboards → New →
Import) or for provisioning; regenerate it after a change and commit both:

    python monitoring/dashboard.py > monitoring/syncd-dashboard.json

The tests rebuild it, compare it with the committed file, and check that every metric it queries is one
that syncd's ``/metrics`` really serves.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import LegendDisplayMode, LegendPlacement
from grafana_foundation_sdk.models.dashboard import Dashboard, DataSourceRef, Threshold, ThresholdsMode

__all__ = ["build", "queries", "to_json"]

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
_GREEN, _AMBER, _RED = "green", "orange", "red"


def _query(expr: str, legend: str, ref: str = "A") -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref)


def _steps(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=value, color=colour) for value, colour in steps])
    )


def _series(title: str, description: str, *targets: prometheus.Dataquery, unit: str = "") -> timeseries.Panel:
    legend = common.VizLegendOptions().display_mode(LegendDisplayMode.LIST).placement(LegendPlacement.BOTTOM)
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .legend(legend.show_legend(True))
        .height(8)
        .span(12)
    )
    for target in targets:
        panel = panel.with_target(target)
    return panel.unit(unit) if unit else panel


def _last_value() -> common.ReduceDataOptions:
    return common.ReduceDataOptions().calcs(["lastNotNull"])


def _alignment() -> list[stat.Panel | timeseries.Panel]:
    score = (
        stat.Panel()
        .title("Alignment score, all trackers")
        .description("1 is on plan: 1 − ½·Σ|actual − target| over the objectives and the unaligned bucket.")
        .datasource(DATASOURCE)
        .with_target(_query('syncd_alignment_score{scope="all"}', "score"))
        .min(0)
        .max(1)
        .decimals(2)
        .thresholds(_steps((None, _RED), (0.75, _AMBER), (0.9, _GREEN)))
        .reduce_options(_last_value())
        .height(6)
        .span(6)
    )
    unaligned = (
        stat.Panel()
        .title("Unaligned share, all trackers")
        .description("Share of the effort in scope that serves no objective.")
        .datasource(DATASOURCE)
        .with_target(_query('syncd_unaligned_share{scope="all"}', "unaligned"))
        .unit("percentunit")
        .reduce_options(_last_value())
        .height(6)
        .span(6)
    )
    return [
        score,
        unaligned,
        _series(
            "Alignment score over time",
            "Per scope: all trackers together and each tracker.",
            _query("syncd_alignment_score", "{{scope}}"),
        )
        .min(0)
        .max(1),
        _series(
            "Share of effort per objective",
            "Actual share of the effort in scope, all trackers together, beside each objective's target.",
            _query('syncd_objective_share{scope="all"}', "{{objective}}"),
            _query("syncd_objective_target", "target {{objective}}", "B"),
            unit="percentunit",
        ),
        _series(
            "Drift per objective against the tolerance",
            "Actual minus target share, all trackers together; beyond the ± tolerance lines it is flagged.",
            _query('syncd_objective_drift{scope="all"}', "{{objective}}"),
            _query("syncd_drift_tolerance", "+ tolerance", "B"),
            _query("-syncd_drift_tolerance", "− tolerance", "C"),
            unit="percentunit",
        ),
        _series(
            "Unaligned share per scope",
            "Share of the effort serving no objective, per scope.",
            _query("syncd_unaligned_share", "{{scope}}"),
            unit="percentunit",
        ),
    ]


def _trackers() -> list[timeseries.Panel]:
    return [
        _series(
            "Tracker health",
            "1 while the tracker's last sync ran to its end, 0 when it failed.",
            _query("syncd_tracker_up", "{{tracker}}"),
        )
        .min(0)
        .max(1),
        _series(
            "Time since the last successful sync",
            "Grows while a tracker cannot be synced; the SyncdSyncStale alert fires past its threshold.",
            _query("time() - syncd_last_success_timestamp_seconds", "{{tracker}}"),
            unit="s",
        ),
        _series(
            "API requests by outcome",
            "Requests per second to each tracker: ok, rate_limited, server_error, client_error, network.",
            _query("sum by (tracker, status) (rate(syncd_api_requests_total[5m]))", "{{tracker}} {{status}}"),
            unit="reqps",
        ),
        _series(
            "Retries by reason",
            "Retried requests per second: rate_limited (429) or transient (5xx, network).",
            _query("sum by (tracker, reason) (rate(syncd_retries_total[5m]))", "{{tracker}} {{reason}}"),
            unit="reqps",
        ),
        _series(
            "Sync duration",
            "95th percentile and mean of one tracker's sync, over the last hour.",
            _query(
                "histogram_quantile(0.95, sum by (tracker, le) (rate(syncd_sync_duration_seconds_bucket[1h])))",
                "p95 {{tracker}}",
            ),
            _query(
                "sum by (tracker) (rate(syncd_sync_duration_seconds_sum[1h]))"
                " / sum by (tracker) (rate(syncd_sync_duration_seconds_count[1h]))",
                "mean {{tracker}}",
                "B",
            ),
            unit="s",
        ),
        _series(
            "Label writes",
            "Label writes per hour, applied or failed.",
            _query("sum by (tracker, result) (increase(syncd_label_ops_total[1h]))", "{{tracker}} {{result}}"),
        ),
    ]


def _process() -> list[timeseries.Panel]:
    only_syncd = " * on (instance, job) group_left (version) syncd_build_info"
    return [
        _series(
            "Memory (resident)",
            "The service process's resident memory; the legend names the syncd version.",
            _query(f"process_resident_memory_bytes{only_syncd}", "{{instance}} {{version}}"),
            unit="bytes",
        ),
        _series(
            "CPU",
            "CPU seconds per second used by the service process.",
            _query(f"rate(process_cpu_seconds_total[5m]){only_syncd}", "{{instance}} {{version}}"),
        ),
    ]


def build() -> Dashboard:
    """The dashboard, rows of panels over a Prometheus data source chosen when it is imported."""
    board = (
        dashboard.Dashboard("syncd — strategy alignment")
        .uid("syncd-alignment")
        .description("Where effort goes against the strategy, and whether syncd keeps the trackers current.")
        .tags(["syncd"])
        .refresh("5m")
        .time("now-30d", "now")
        .timezone("utc")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )
    for title, panels in (("Alignment", _alignment()), ("Trackers", _trackers()), ("Process", _process())):
        board = board.with_row(dashboard.Row(title))
        for panel in panels:
            board = board.with_panel(panel)
    return board.build()


def to_json() -> str:
    return json.dumps(build(), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


def queries(document: dict[str, Any]) -> list[str]:
    """Every PromQL expression of a dashboard document."""
    panels = document.get("panels", [])
    return [target["expr"] for panel in panels for target in panel.get("targets", []) if "expr" in target]


if __name__ == "__main__":
    sys.stdout.write(to_json())
