"""The write side: aggregates, their events and the command service.

Imports no Flask, Kafka or SQL: adapters reach the domain through the
protocols in `domain.ports`.
"""
