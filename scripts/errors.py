"""Errors shared by the subcommands."""


class UserError(Exception):
    """An error the user can fix (bad argument, missing file, unreachable database).

    The command line prints it as one line, without a traceback, and exits with status 2.
    """
