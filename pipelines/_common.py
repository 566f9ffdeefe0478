"""Pieces every pipeline's runner shares: a progress bar and the ``--config`` entry point."""

from __future__ import annotations

import argparse
import sys
from typing import Callable


class _NoBar:
    """Stands in for a tqdm bar when progress output is off."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values) -> None:
        pass

    def set_description(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool, **kwargs):
    """A tqdm bar on stderr, or a silent stand-in (same methods) when ``enabled`` is false."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(file=sys.stderr, dynamic_ncols=True, **kwargs)


def config_main(argv: list[str] | None, module: str, doc: str, config_cls, run: Callable) -> int:
    """``python -m pipelines.<module> --config FILE``: run, print the summary, exit 1 on failures."""
    parser = argparse.ArgumentParser(prog=f"python -m pipelines.{module}", description=doc.split("\n")[0])
    parser.add_argument("--config", required=True, help=f"TOML or YAML file with {config_cls.__name__} keys")
    args = parser.parse_args(argv)
    summary = run(config_cls.from_file(args.config), progress=True)
    print(summary.format())
    return 1 if getattr(summary, "failed", None) else 0


def pool_map(fn, args: list[tuple], workers: int):
    """``fn(*a)`` for each ``a``, in order; in worker processes when ``workers`` > 1."""
    if workers <= 1 or len(args) <= 1:
        for a in args:
            yield fn(*a)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield from pool.map(fn, *zip(*args))
