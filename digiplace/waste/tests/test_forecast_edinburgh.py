"""The Edinburgh benchmark's evaluation peeks at nothing after the collection it predicts."""

from __future__ import annotations

import dataclasses
import datetime
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from digiplace.waste.forecast import FillPrior, WeekProfile

BENCH = Path(__file__).resolve().parents[3] / "bench" / "waste_forecast.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("waste_forecast_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sites(bench: ModuleType) -> dict[str, list[object]]:
    every_site = bench.load_collections()
    chosen = sorted(every_site)[:4]
    return {site: every_site[site] for site in chosen}


PRIOR = FillPrior(0.15, WeekProfile.flat("Europe/London"), weight_hours=3.0, growth_exponent=0.4)


def predictions(bench: ModuleType, sites: dict[str, list[object]]) -> dict[tuple, tuple]:
    scored = bench.evaluate(bench.targets(sites), PRIOR, datetime.timedelta(days=28))
    return {(s.site_id, s.at): (s.model, s.last_rate, s.mean_rate, s.mean_fill) for s in scored}


def test_a_prediction_ignores_later_rows(bench: ModuleType, sites: dict) -> None:
    # Given every prediction on a slice of four sites
    before = predictions(bench, sites)
    site = next(iter(sites))
    collections = sites[site]
    middle = len(collections) // 2
    cut = collections[middle].at

    # When the site's rows after the middle one are removed, or the fill found at the middle
    # one and after it is changed
    truncated = {**sites, site: collections[: middle + 1]}
    altered = {
        **sites,
        site: collections[:middle]
        + [dataclasses.replace(c, fill=1.0 - c.fill) for c in collections[middle:]],
    }

    # Then every prediction up to the middle row is the same, for every method
    kept = {key: value for key, value in before.items() if key[0] != site or key[1] <= cut}
    assert len(kept) < len(before)
    assert any(key[0] == site and key[1] == cut for key in kept)
    for changed in (truncated, altered):
        after = predictions(bench, changed)
        assert {key: after[key] for key in kept} == kept


def test_a_prediction_uses_earlier_rows(bench: ModuleType, sites: dict) -> None:
    # Given a site's predictions; when an earlier row's fill changes, the later ones do
    before = predictions(bench, sites)
    site = next(iter(sites))
    collections = sites[site]
    changed = {
        **sites,
        site: [
            dataclasses.replace(collections[3], fill=0.0) if i == 3 else c
            for i, c in enumerate(collections)
        ],
    }
    after = predictions(bench, changed)
    later = [key for key in before if key[0] == site and key[1] > collections[3].at]
    assert later
    assert all(after[key][0] != before[key][0] for key in later[:3])


def test_exclusions_apply_to_every_method(bench: ModuleType, sites: dict) -> None:
    # Given a site whose third collection found a partly emptied bin
    site = next(iter(sites))
    collections = list(sites[site])
    collections[2] = dataclasses.replace(collections[2], is_partial=True)

    # When its intervals are built
    intervals = bench.site_intervals(collections)

    # Then the interval after the partial emptying is excluded, and no longer scored
    assert [i.is_valid for i in intervals[:3]] == [True, True, False]
    scored = {t.interval.collection.at for t in bench.targets({site: collections})}
    assert collections[3].at not in scored
    assert collections[4].at not in scored  # only two valid earlier intervals
