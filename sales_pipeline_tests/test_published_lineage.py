"""The published copy's place in the asset graph: downstream of exactly the marts it copies."""

from __future__ import annotations

import dagster as dg

PUBLISHED = dg.AssetKey(["published", "marts"])


def test_published_marts_depends_on_every_mart_and_nothing_else() -> None:
    from sales_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert len(marts) >= 32
    assert graph.get(PUBLISHED).parent_keys == marts


def test_a_new_mart_is_published_without_touching_the_published_asset() -> None:
    from sales_pipeline.publish import build_published_marts

    @dg.asset(key=["marts", "new_scorecard"])
    def new_scorecard() -> None: ...

    @dg.asset(key=["staging", "not_a_mart"])
    def not_a_mart() -> None: ...

    published = build_published_marts([new_scorecard, not_a_mart])
    assert set(published.asset_deps[PUBLISHED]) == {dg.AssetKey(["marts", "new_scorecard"])}
