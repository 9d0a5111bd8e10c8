"""How well the trend rule finds the sample's planted trends (docs/analysis.md, "Calibration").

    python -m benchmarks.trend_calibration [--warehouse data/warehouse.duckdb]

Run after `make run` on the shipped sample (40 reps, 731 days from 2024-01-01, seed 7). The
sample's generator gives about 5 % of reps an effort drift of +22 % a year ("improving"), as many
-22 % ("declining"), and the rest a drift drawn around 0 ("ordinary"). For each monthly rep
series with a full window, this prints how often each rule calls it up and down, by kind: a good
rule calls improving reps up and declining reps down far more often than ordinary reps either.
The rules compared are the shipped one (6 months, |t| >= 2, slope >= 2 % of the mean a month) and
looser or longer ones, on the raw values and on the values relative to the month's mean over all
reps (which removes the organisation's shared seasonality).
"""

from __future__ import annotations

import argparse
from datetime import date

import duckdb

from sales_pipeline.sample.generator import build_world

SAMPLE = {"reps": 40, "days": 731, "start": date(2024, 1, 1), "seed": 7}
RULES = (("t>=2, 2%", 2.0, 0.02), ("t>=1.5, 1%", 1.5, 0.01))
METRICS = ("sales_volume", "orders", "calls_connected", "visits")

SERIES_SQL = """
CREATE OR REPLACE TEMP TABLE series AS
SELECT period_start, entity_id AS rep_id, actual AS raw,
       (year(period_start) * 12 + month(period_start))::DOUBLE AS x,
       actual / nullif(avg(actual) OVER (PARTITION BY period_start), 0) AS relative
FROM marts.variance_monthly
WHERE level = 'rep' AND metric = $metric AND period_start IN (
    SELECT period_start FROM marts.variance_monthly WHERE is_complete)
"""
FIT_SQL = """
WITH fitted AS (
    SELECT rep_id, regr_count({y}, x) OVER w AS n, regr_slope({y}, x) OVER w AS slope,
           avg({y}) OVER w AS mean, regr_sxx({y}, x) OVER w AS sxx, regr_syy({y}, x) OVER w AS syy,
           regr_sxy({y}, x) OVER w AS sxy
    FROM series
    WINDOW w AS (PARTITION BY rep_id ORDER BY period_start ROWS BETWEEN {window} - 1 PRECEDING
                 AND CURRENT ROW)
),
tested AS (
    SELECT *, slope / sqrt(greatest(syy - sxy * sxy / sxx, 1e-12) / (n - 2) / sxx) AS t
    FROM fitted WHERE n = {window}
)
SELECT kind, count(*) AS series,
       avg((t >= {t} AND slope >= {size} * abs(mean))::INT) AS up,
       avg((t <= -{t} AND -slope >= {size} * abs(mean))::INT) AS down
FROM tested JOIN truth USING (rep_id)
GROUP BY kind ORDER BY kind
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    args = parser.parse_args()
    roster = build_world(**SAMPLE).roster
    with duckdb.connect(args.warehouse, read_only=True) as conn:
        conn.execute("CREATE TEMP TABLE truth (rep_id VARCHAR, kind VARCHAR)")
        conn.executemany("INSERT INTO truth VALUES (?, ?)", [
            (rep_id.decode(), "improving" if drift >= 0.2 else "declining" if drift <= -0.2
             else "ordinary")
            for rep_id, drift in zip(roster.ids, roster.trend, strict=True)])
        print("| metric | window | values | rule | kind | series | called up | called down |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for metric in METRICS:
            conn.execute(SERIES_SQL, {"metric": metric})
            for window in (6, 12):
                for values in ("raw", "relative"):
                    for rule, t, size in RULES:
                        fit = FIT_SQL.format(y=values, window=window, t=t, size=size)
                        for kind, series, up, down in conn.execute(fit).fetchall():
                            print(f"| {metric} | {window} | {values} | {rule} | {kind} | {series} "
                                  f"| {up:.0%} | {down:.0%} |")


if __name__ == "__main__":
    main()
