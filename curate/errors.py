"""The error hierarchy (three kinds, so callers know what to do next).

- :class:`FatalError`: the run cannot go on (bad configuration, unwritable output).
- :class:`ShardError`: this input is bad; record it and go on with the others.
- :class:`RetryableError`: a passing fault (network); the same input may succeed later.
"""

from __future__ import annotations

import errno


class CurateError(Exception):
    """Base of every error curate raises on purpose."""


class FatalError(CurateError):
    """Stop the whole run: retrying or skipping the input will not help."""


class ShardError(CurateError):
    """This input (file, shard) is unusable; other inputs are unaffected."""


class RetryableError(CurateError):
    """A transient failure (HTTP 5xx, dropped connection): retry the input later."""


#: errors of the output's disk or folder (EACCES, EPERM, EROFS, ENOSPC, EDQUOT): a command says them
#: in one line naming the file, wherever the run raised them (here or in a flow)
UNWRITABLE_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT)
