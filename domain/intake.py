"""Commands for bulk import and the ATS interface (seed 004, options 2 and 4, step 5).

A mixin of the `Rekindle` command service (domain/application.py): methods here use
`self.load`, `self.record`, `self.adapters` and `self.settings` like the core commands.
"""

from __future__ import annotations


class IntakeCommands:
    pass
