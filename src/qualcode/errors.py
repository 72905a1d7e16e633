"""The one exception type for user mistakes: the CLI prints its message as one line."""


class QualcodeError(Exception):
    """A problem the user can fix (bad input, unknown id, missing file).

    The message names the file, line or value at fault and never quotes transcript text,
    so that it cannot carry an original name.
    """
