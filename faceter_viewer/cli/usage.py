class UsageError(Exception):
    """Bad input from the user that argparse could not see: exit code 2."""
