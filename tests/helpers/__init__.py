"""Helpers shared by the unit and end-to-end tests (on the path through pytest's ``pythonpath``)."""
