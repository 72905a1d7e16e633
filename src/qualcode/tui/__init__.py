"""The coder app (`qualcode code`): a Textual full-screen app for coding transcripts."""

from qualcode.tui.coder import CoderApp

__all__ = ["CoderApp"]
