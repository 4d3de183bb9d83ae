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


#: exit codes of every command (docs/reliability.md): 0 = everything ok
EXIT_OK = 0
#: ``suite check``: a checked value is outside its tolerance or missing
EXIT_CHECK_FAILED = 1
#: bad input / usage (click's own usage errors use 2 as well)
EXIT_USAGE = 2
#: the command ran, but some trials or scores failed; their rows (with the reason) are stored
EXIT_TRIALS_FAILED = 3
