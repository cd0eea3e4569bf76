"""The lecture's demonstrations: each script writes a figure and a JSON of its numbers."""
