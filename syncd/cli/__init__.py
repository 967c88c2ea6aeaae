"""The ``syncd`` command line: every command, the words it prints, and its ``--json`` documents."""
