from glossary.models.links import LinkSuggestion, SuggestionStatus, TermFieldLink, TermProductLink
from glossary.models.proposals import EventKind, Proposal, ProposalEvent, ProposalKind, ProposalStatus
from glossary.models.terms import NAMING_KINDS, Glossary, KeyKind, Term, TermKey, TermStatus, TermVersion

__all__ = [
    "NAMING_KINDS",
    "EventKind",
    "Glossary",
    "KeyKind",
    "LinkSuggestion",
    "Proposal",
    "ProposalEvent",
    "ProposalKind",
    "ProposalStatus",
    "SuggestionStatus",
    "Term",
    "TermFieldLink",
    "TermKey",
    "TermProductLink",
    "TermStatus",
    "TermVersion",
]
