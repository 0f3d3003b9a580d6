"""Commands the GDPR chores run: consent expiry, deletion after a request, the erasure record.

A mixin of the `Rekindle` command service (domain/application.py): methods here use
`self.load`, `self.record`, `self.adapters` and `self.settings` like the core commands.
"""

from __future__ import annotations


class GdprCommands:
    pass
