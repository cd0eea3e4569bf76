"""User-facing errors: one line that names the problem and the fix.

Every failure a user can cause (a bad config key, an unknown dataset, a wrong shape, a missing
data directory, a checkpoint of another model's arrays, a non-finite loss) raises
:class:`JaxgenError`. The experiment entry point prints its message on one line and exits
non-zero; library callers can catch it like any other exception.
"""


class JaxgenError(Exception):
    """A problem the user can fix; ``str(err)`` says what went wrong and what to do."""


class NonFiniteError(JaxgenError):
    """A train step produced a non-finite metric; the last good checkpoint is kept."""
