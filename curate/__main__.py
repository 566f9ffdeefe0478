import sys


def _run() -> int:
    try:
        from curate.cli import main

        return main()
    except KeyboardInterrupt:        # Ctrl-C while Python is still importing the command line
        print("curate: interrupted before it started; nothing written", file=sys.stderr, flush=True)
        return 130


try:
    code = _run()
except KeyboardInterrupt:            # a second Ctrl-C while the first was being reported
    code = 130
sys.exit(code)
