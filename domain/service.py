"""The command service: every command of the product, grouped by concept, on one store.

Routes, the shell and the workers all call commands through this one object, so the access
policy (domain/access.py) and the rules of each concept apply to every caller alike.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.access import Access
from domain.commands.ats import Ats
from domain.commands.campaigns import Campaigns
from domain.commands.candidates import Candidates
from domain.commands.consent import Consent
from domain.commands.consent_links import ConsentLinks
from domain.commands.files import Files
from domain.commands.forms import Forms
from domain.commands.imports import Imports
from domain.commands.invitations import Invitations
from domain.commands.mails import Mails
from domain.commands.opportunities import Opportunities
from domain.commands.pools import Pools
from domain.commands.postings import Postings
from domain.commands.reminders import Reminders
from domain.commands.rules import Rules
from domain.commands.users import Users
from domain.consent_proof import ConsentProof
from domain.lookups import Lookups
from domain.ports import Adapters
from domain.rule_engine import RuleEngine
from domain.settings import Settings
from domain.store import EventStore


class Rekindle:
    def __init__(self, store: EventStore, adapters: Adapters, settings: Settings, *,
                 live_candidates: Callable[[set[UUID]], set[UUID]] | None = None) -> None:
        self.store = store
        self.adapters = adapters
        self.settings = settings
        self.lookups = Lookups(store)
        self.access = Access(store, self.lookups)
        self.users = Users(store, adapters.keys)
        self.postings = Postings(store, self.users)
        self.candidates = Candidates(store, self.access, adapters)
        self.opportunities = Opportunities(store, self.access, self.lookups, self.users,
                                           settings)
        self.files = Files(store, self.access, adapters.files, settings)
        self.consent = Consent(store, self.access, adapters, settings)
        self.pools = Pools(store, self.access)
        self.rules = Rules(store)
        self.consent_links = ConsentLinks(store, self.consent, settings)
        self.consent_proof = ConsentProof(store, self.access)
        self.forms = Forms(store, self.candidates, self.consent, settings)
        self.invitations = Invitations(store, self.access, self.lookups, self.candidates)
        self.mails = Mails(store, settings)
        self.reminders = Reminders(store, self.access)
        self.campaigns = Campaigns(store, self.access, self.lookups)
        self.imports = Imports(store, self.candidates, adapters, live_candidates)
        self.ats = Ats(store, self.access, self.candidates, adapters, settings)
        self.automation = RuleEngine(store, self.lookups, self.consent)

    def close(self) -> None:
        self.store.close()
