import sys

try:
    from curate.cli import main
except KeyboardInterrupt:            # Ctrl-C while Python is still importing the command line
    print("curate: interrupted before it started; nothing written", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
