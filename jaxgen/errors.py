"""User-facing errors: one line that names the problem and the fix.

Every failure a user can cause (a bad config key or value, an unknown dataset, a wrong shape, a
missing data directory, a checkpoint of another model's arrays or with every copy damaged, a
workdir in use or not writable, a full disk, a non-finite loss) raises :class:`JaxgenError`.
The experiment entry point prints its message on one line and exits non-zero; library callers
can catch it like any other exception. It is a ``ValueError``, the exception Python code raises
for a bad argument, so callers that catch those catch it too.
"""


class JaxgenError(ValueError):
    """A problem the user can fix; ``str(err)`` says what went wrong and what to do."""


class NonFiniteError(JaxgenError):
    """A train step produced a non-finite metric; the last good checkpoint is kept."""
