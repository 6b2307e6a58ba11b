#!/usr/bin/env python
"""Equivalent to the ``kasumi`` console command, for tools that expect manage.py."""

from kasumi.cli import main

if __name__ == "__main__":
    main()
