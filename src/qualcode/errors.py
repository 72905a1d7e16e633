"""The one exception type for user mistakes: the CLI prints its message as one line."""


class QualcodeError(Exception):
    """A problem the user can fix (bad input, unknown id, missing file).

    The message names the file, line or value at fault and never quotes transcript text,
    so that it cannot carry an original name.
    """


def did_you_mean(ref: str, choices: dict[str, str]) -> str:
    """A '; did you mean X, Y?' hint for an unknown `ref`, or "".

    `choices` maps what a user might have meant to type (ids, labels) to the name to show.
    """
    from rapidfuzz import fuzz, process

    close = sorted({
        choices[match] for match, _, _ in process.extract(
            ref, list(choices), scorer=fuzz.WRatio, processor=str.lower, limit=3,
            score_cutoff=70)
    })
    return f"; did you mean {', '.join(close)}?" if close else ""
