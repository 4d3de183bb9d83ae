"""Errors a user can fix: the CLI turns them into one line and exit code 2, no traceback."""


class NasbenchError(Exception):
    """Base class of every error that is the user's input, data or settings, not a bug."""


class BadInput(NasbenchError):
    """A malformed value: an arch string, a seed list, a setting out of range."""


class UnknownName(NasbenchError):
    """A name that no loaded plugin registered; the message lists the choices."""


class DataError(NasbenchError):
    """A data file that is missing, corrupt or of the wrong kind."""


class PluginError(NasbenchError):
    """A plugin that breaks the host's rules (duplicate name, missing attribute)."""
