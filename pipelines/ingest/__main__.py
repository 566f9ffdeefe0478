"""``python -m pipelines.ingest --config ingest.toml``"""

import sys

from pipelines.ingest import main

sys.exit(main())
