"""Commands of seed 004's CRM half: pools, rules, talent forms, reminders, notifications, campaigns.

A mixin of the `Rekindle` command service (domain/application.py): methods here use
`self.load`, `self.record`, `self.adapters` and `self.settings` like the core commands.
"""

from __future__ import annotations


class CrmCommands:
    pass
