"""Spreadsheet imports of candidates: reading the file, and running the job in batches."""
