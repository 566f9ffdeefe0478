"""The ``curate`` command line."""

from __future__ import annotations

from shlex import quote

import argparse
import logging
import sys
from pathlib import Path

from curate.errors import CurateError

__all__ = ["build_parser", "format_summary", "main"]

DEMO_QUERIES = (
    'query "SELECT url, lang, has_math, math_markers, n_chars FROM pages" --root {root}',
    'query "SELECT reason, count(*) AS n FROM rejected GROUP BY ALL" --root {root}',
    'query "SELECT text FROM pages WHERE has_math LIMIT 1" --root {root} --format text',
    'query "SELECT source, status, pages, rejected FROM ledger" --root {root}',
)


def cmd_extract(args) -> int:
    from curate.extract import Rejected, extract_html

    try:
        page = extract_html(Path(args.file).read_bytes(), url=args.url, charset=args.charset)
    except Rejected as exc:
        print(f"rejected: {exc.reason}: {exc.detail}", file=sys.stderr)
        return 1
    print(f"title: {page['title']}\nlang: {page['lang']} ({page['lang_score']:.2f})\n"
          f"math: {', '.join(page['math_markers']) or 'none'}\n")
    print(page["text"])
    return 0


def cmd_query(args) -> int:
    import shutil
    import tempfile

    import duckdb

    from curate.query import find_roots, lock_down, open_catalog, open_root, require_select

    if not args.write:
        require_select(args.sql)
    if args.db:
        con, roots = open_catalog(args.db)
    elif args.root:
        roots = find_roots(args.root)          # a folder of runs: the roots below it
        con = open_root(roots)
    else:
        raise CurateError("curate query: give --root DIR (once per output root) or --db CATALOG")
    # DuckDB spills to a folder of the run's own (never ./.tmp, which a query could read and
    # write), set before the configuration is locked
    spill = tempfile.mkdtemp(prefix="curate-query-")
    try:
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET enable_progress_bar = false")     # it writes into stdout: a CSV's last line
        lock_down(con, roots)            # files outside the roots are never read or written
        return _print_query(con, args)
    except duckdb.Error as exc:          # parse, bind and run-time errors alike: one line
        raise CurateError(" ".join(str(exc).split())) from None
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _print_query(con, args, batch_rows: int = 10_000) -> int:
    """Print the result in ``args.format``; csv, json and text stream batch by batch (the first
    rows print before the rest is computed, and memory follows one batch)."""
    rel = con.sql(args.sql)
    if rel is None:
        return 0
    if args.format == "table":
        rel.show(max_width=args.max_width, max_rows=args.max_rows)
        return 0
    cols = rel.columns
    if args.format == "csv":                   # written here (Arrow's writer): the connection may not open files
        import csv as pycsv

        from pyarrow import csv

        batches = rel.to_arrow_reader(batch_rows)
        pycsv.writer(sys.stdout, lineterminator="\n").writerow(cols)
        sys.stdout.flush()
        for batch in batches:
            csv.write_csv(batch, sys.stdout.buffer, csv.WriteOptions(include_header=False, quoting_style="needed"))
            sys.stdout.buffer.flush()
        return 0
    if args.format == "json":
        import json

        write = lambda rows: sys.stdout.write("".join(  # noqa: E731
            json.dumps(dict(zip(cols, row)), default=str, ensure_ascii=False) + "\n" for row in rows))
    else:  # text: values only, one per line (for reading extracted text)
        write = lambda rows: sys.stdout.write("".join(  # noqa: E731
            "\t".join("" if v is None else str(v) for v in row) + "\n" for row in rows))
    for batch in rel.to_arrow_reader(batch_rows):
        data = batch.to_pydict()
        write(zip(*(data[c] for c in batch.schema.names)) if batch.num_columns else [])
        sys.stdout.flush()
    return 0


def cmd_demo(args) -> int:
    from curate.demo import write_demo_warc

    root = Path(args.out)
    warc = write_demo_warc(root / "input" / "demo.warc.gz")
    print(f"demo input: {warc}")
    if args.no_prefect:
        from pipelines.ingest import IngestConfig, run

        summary = run(IngestConfig(sources=(str(warc),), out=str(root / "shards")), progress=not args.quiet)
        print(summary.format())
        failed = bool(summary.failed)
    else:
        # Flows live outside the library; imported only for the commands that orchestrate.
        from curate.cli._flows import demo_flow

        result, failure = demo_flow(str(warc), str(root / "shards"), port=args.port)
        print(f"flow 'ingest' on a local Dask cluster: {result.get('inputs', 0)} input(s) processed, "
              f"{result.get('skipped', 0)} already done; pages written: {result.get('pages', 0)}, "
              f"rejected: {result.get('rejected', 0)}")
        failed = failure is not None
        if failure:
            print(f"curate: the flow failed: {failure}", file=sys.stderr)
    print()
    from curate.cli._name import next_steps

    print(next_steps("Next, query the shards (DuckDB):", *(q.format(root=quote(str(root / "shards"))) for q in DEMO_QUERIES)))
    print()
    return 1 if failed else 0


def format_summary(job: str, result: dict, failure: str | None) -> str:
    """A flow run's summary for people: one ``key: value`` line each, numbers rounded."""
    from pipelines import format_value

    width = max((len(k) for k in result), default=0)
    lines = [f"{job}: {'FAILED: ' + failure if failure else 'completed'}"]
    lines += [f"  {key:<{width}}  {format_value(value)}" for key, value in result.items()]
    return "\n".join(lines)


def cmd_run(args) -> int:
    from curate.cli._flows import run_flow

    result, failure = run_flow(args.job, args.config, dask_address=args.dask_address, dask_workers=args.dask_workers,
                               dask_memory=args.dask_memory)
    print(format_summary(args.job, result, failure))
    return 1 if failure else 0


def cmd_serve(args) -> int:
    from curate.cli._flows import serve

    serve(args.job, args.config, args.cron, args.name)
    return 0


def cmd_status(args) -> int:
    from curate.io import root_status

    for i, root in enumerate(args.root):
        print(("\n" if i else "") + root_status(root).format())
    return 0


def cmd_redo(args) -> int:
    from curate.io import redo

    removed = redo(args.root, args.inputs, failed=args.failed)
    for done in removed:
        print(f"reopened {done.source} ({done.status})")
    print(f"{len(removed)} input(s) will run again on the next run into {args.root}; "
          "their rows were taken out, so none is duplicated" if removed else "nothing to redo")
    return 0


def cmd_schedules(args) -> int:
    from curate.cli._flows import schedules_command

    return schedules_command(args.action, args.name)


def cmd_server(args) -> int:
    from flows import server

    if args.action == "start":
        port = args.port or server.DEFAULT_PORT
        url = server.start(port=port)
        print(f"Prefect server running (UI http://127.0.0.1:{port}/); in shells that run flows:\n"
              f"  export PREFECT_API_URL={url}")
        return 0
    if args.action == "stop":
        # stop finds this folder's server by itself; another folder's only with --port (a second
        # `stop` must not end someone else's server)
        port = args.port or server.find_port(anywhere=False)
        if port is None and server.running():
            raise CurateError("no server was started from this folder; running: " + ", ".join(
                f"port {p} (home {h})" for p, h in server.running()) + "; give --port to stop one")
        print(f"stopped the server on port {port}" if port and server.stop(port=port) else "no server started by curate")
        return 0
    port = args.port or server.find_port()
    live = [(port, server.home_of(port))] if port else server.running()
    if not live:
        print("no Prefect server started by curate is running (curate server start [--port P])")
        return 1
    for p, home in live:
        url = server.api_url(p)
        print(f"{url}: {'healthy' if server.healthy(url) else 'not running'} (UI http://127.0.0.1:{p}/, home {home})")
    return 0 if all(server.healthy(server.api_url(p)) for p, _ in live) else 1


class _Parser(argparse.ArgumentParser):
    """argparse with one behaviour for every mistake: one line, exit 2, and "did you mean" for a
    mistyped subcommand or choice."""

    def error(self, message: str):
        import difflib
        import re

        wrong = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if wrong:
            choices = re.findall(r"'([^']*)'", wrong.group(2)) or [c.strip() for c in wrong.group(2).split(",")]
            close = difflib.get_close_matches(wrong.group(1), choices, n=1)
            message = f"invalid choice {wrong.group(1)!r}" + (f"; did you mean {close[0]!r}?" if close else
                                                              f" (choose from {', '.join(choices)})")
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


#: commands that run no job: their parser is built without loading the jobs
_NO_JOBS = frozenset({"extract", "query", "catalog", "stats", "tokenizer", "server", "schedules", "status", "redo"})


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="curate", description="Turn raw public data into pre-training corpora.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log retries and worker restarts")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    from curate.cli import _jobs, _math, _mix

    words = sys.argv[1:] if argv is None else argv
    command = next((w for w in words if not w.startswith("-")), None)
    if command in _NO_JOBS:                  # importing every job (pyarrow, DuckDB, trafilatura) costs 0.25 s
        JOBS: dict = {}
    else:
        from pipelines.jobs import JOBS

    for job in JOBS.values():                # curate ingest, dedup, ..., math-corpus: generated
        _jobs.add_job_parser(sub, job)

    p = sub.add_parser("extract", help="print the extracted text of one HTML file")
    p.add_argument("file")
    p.add_argument("--url")
    p.add_argument("--charset", help="charset to try first (as an HTTP header would say)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("query", help="run SQL over the datasets of an output root")
    p.add_argument("sql")
    p.add_argument("--root", action="append",
                   help="output root: a view per dataset, removals, ledger (repeat for several roots: "
                        "--root shards/ --root dedup/)")
    p.add_argument("--db", help="a catalog written by `curate catalog`, a file or an s3:// object (instead of --root)")
    p.add_argument("--format", choices=["table", "csv", "json", "text"], default="table")
    p.add_argument("--max-rows", type=int, default=40)
    p.add_argument("--max-width", type=int, default=160)
    p.add_argument("--write", action="store_true",
                   help="allow statements other than one SELECT (COPY, CREATE ...), writing only inside the root")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("demo", help="build the demo WARC and ingest it")
    p.add_argument("--out", default="demo-out", help="folder for the demo input and shards (default ./demo-out)")
    p.add_argument("--no-prefect", action="store_true", help="run the pipeline directly, without Prefect/Dask")
    p.add_argument("--port", type=int, help="port of the local Prefect server it starts when none runs (default 4200)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_demo)

    _mix.add_parsers(sub)
    _mix.add_tokenizer_parser(sub)
    _math.add_parsers(sub, JOBS)

    p = sub.add_parser("run", help="run a job as a Prefect flow on Dask")
    p.add_argument("job", choices=list(JOBS), help="; ".join(f"{j.name}: {j.summary}" for j in JOBS.values()))
    p.add_argument("--config", required=True, help="TOML/YAML config of the job")
    p.add_argument("--dask-address", help="existing scheduler (tcp://host:8786); default $CURATE_DASK_ADDRESS "
                                          "or a new local cluster")
    p.add_argument("--dask-workers", type=int, help="local cluster workers (default: number of cores)")
    p.add_argument("--dask-memory", help="memory limit per local worker, e.g. 4GiB")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("serve", help="serve a job on a cron schedule (needs `curate server start`)")
    p.add_argument("job", nargs="?", default="crawl", choices=list(JOBS), help="the job (default crawl)")
    p.add_argument("--config", required=True, help="TOML/YAML config of the job")
    p.add_argument("--cron", default="0 3 * * *", help="cron schedule (default daily 03:00)")
    p.add_argument("--name", help="deployment name (default: the job's); one per config")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("status", help="what an output root holds: its job, inputs done/failed/pending, last run, "
                                      "rows, lock")
    p.add_argument("root", nargs="+", help="output root (a folder or s3:// URL)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("redo", help="make inputs of an output root run again on the next run (no row duplicated)")
    p.add_argument("root", help="output root (a folder or s3:// URL)")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="inputs by key, path or file name (curate status "
                                                             "lists them)")
    p.add_argument("--failed", action="store_true", help="every failed input")
    p.set_defaults(func=cmd_redo)

    p = sub.add_parser("schedules", help="list, pause, resume or delete served deployments (Prefect server)")
    p.add_argument("action", nargs="?", default="list", choices=["list", "pause", "resume", "delete"])
    p.add_argument("name", nargs="?", help="the deployment: JOB/NAME as `curate schedules` lists it")
    p.set_defaults(func=cmd_schedules)

    p = sub.add_parser("server", help="local Prefect server on 127.0.0.1 (its state in $PREFECT_HOME, "
                                      "default .curate/prefect)")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--port", type=int, help="start: the port (default 4200); stop, status: found when not given")
    p.set_defaults(func=cmd_server)
    return parser


def _quiet_third_parties(verbose: bool) -> None:
    """Prefect's and Dask's INFO logs on the terminal only with -v; never telemetry (set before they
    are imported, and inherited by the servers and Dask workers we start). A flow run's own log
    lines (progress, each input's outcome, the summary) go to the Prefect server at INFO whatever
    the terminal shows: the console handler is what -v opens, not the loggers."""
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "curate,pipelines,flows")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")


def _silence_teardown() -> None:
    """After an interrupt, what is left of the run (Dask's cluster closing, Prefect's crash report)
    prints nothing on the terminal: the one line the command ends with is the message. (Records
    still reach other handlers: the Prefect server keeps the run's crash.)"""
    for name in ("", "distributed", "prefect", "prefect.flow_runs", "prefect.task_runs", "tornado", "asyncio"):
        for handler in logging.getLogger(name).handlers:
            if type(handler).__name__ in ("StreamHandler", "PrefectConsoleHandler", "RichHandler"):
                handler.setLevel(logging.CRITICAL + 1)


_signalled: list[int] = []          # the signal that interrupted this run, once one has


def _interrupt(signum, frame):
    _signalled.append(signum)
    _silence_teardown()
    raise KeyboardInterrupt


def _interrupted_line() -> str:
    """What an interrupted run says: how far it got (the jobs' executors keep count), or just that
    it was interrupted when no job ran."""
    steps = sys.modules.get("pipelines._steps")            # never imported for commands that run no job
    return steps.PROGRESS.line() if steps is not None else "interrupted"


def _terminate(signum, frame):
    # SIGTERM (a service manager, `kill`) ends the run as Ctrl-C does: nothing half-written is
    # recorded, the rerun resumes
    _interrupt(signum, frame)


def main(argv: list[str] | None = None) -> int:
    """The ``curate`` command. Called with no ``argv`` (the installed command, ``python -m
    curate``), a signal that comes once the command is done and Python is shutting down changes
    nothing: the work and the exit status stand (no "rerun to resume" for finished work)."""
    import signal

    try:
        return _main(argv)
    finally:
        if argv is None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _main(argv: list[str] | None) -> int:
    import signal

    # first thing: a Ctrl-C while the command line is still being assembled (every job's options
    # are read from its config's source) is an interrupt like any other, not a traceback
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        args = build_parser(argv).parse_args(argv)
    except KeyboardInterrupt:
        print("curate: interrupted before it started; nothing written", file=sys.stderr, flush=True)
        return 130
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # a flow run's records reach the Prefect server (its UI shows them, tracebacks included);
        # the terminal gets the run's summary and one-line errors, the rest with -v
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda record: not record.name.startswith("prefect"))
    _quiet_third_parties(args.verbose)
    try:
        return args.func(args)
    except BaseException as exc:
        # an interrupt that a library turned into its own error (DuckDB: "Query interrupted") is
        # still the interrupt
        if not (isinstance(exc, KeyboardInterrupt) or _signalled) or isinstance(exc, SystemExit):
            return _failed(exc, args.verbose)
        if args.verbose:
            import traceback

            traceback.print_exc()
        _silence_teardown()
        # a progress bar's line is left open on a terminal: end it first
        print(("\n" if sys.stderr.isatty() else "") + f"curate: {_interrupted_line()}", file=sys.stderr, flush=True)
        return 130


def _failed(exc: BaseException, verbose: bool) -> int:
    """Exit status (and one line) for an error that ended a command; others raise on."""
    try:
        raise exc
    except BrokenPipeError:              # `curate ... | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CurateError as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        print(f"curate: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        from curate.errors import UNWRITABLE_ERRNOS

        if exc.errno not in UNWRITABLE_ERRNOS:
            raise
        if verbose:
            import traceback

            traceback.print_exc()
        # a folder or file we may not write (or a full disk): one line naming it; what the run
        # had begun is removed by its transaction, and a rerun resumes
        print(f"curate: error: cannot write {exc.filename or 'output'}: {exc.strerror}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
