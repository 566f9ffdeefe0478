"""Benchmark decontamination: benchmark loaders, an n-gram index with evidence rules and a batch scan."""

from curate.decontam._benchmarks import Benchmark, Item, find_benchmarks, load_items
from curate.decontam._evidence import RULES, canonical
from curate.decontam._match import Match, NgramIndex

__all__ = ["RULES", "Benchmark", "Item", "Match", "NgramIndex", "canonical", "find_benchmarks", "load_items"]
