"""Benchmark decontamination: benchmark loaders, an n-gram index and a batch scan."""

from curate.decontam._benchmarks import Benchmark, Item, find_benchmarks, load_items
from curate.decontam._match import Match, NgramIndex

__all__ = ["Benchmark", "Item", "Match", "NgramIndex", "find_benchmarks", "load_items"]
