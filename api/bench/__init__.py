"""`rekindle bench`: the service's speed figures, each next to a bare baseline.

Every measurement runs on its own database of a throwaway embedded server, so a run never
touches REKINDLE_DATA_DIR and measurements do not see each other's events.
"""
