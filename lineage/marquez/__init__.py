"""Marquez's read API over the portal's lineage store, so marquez-python and Marquez-style tools work unchanged.

`shapes` turns rows into Marquez's JSON, `selectors` reads them, `routing` splits the namespace paths (names may
hold slashes), `views` and `urls` serve them. docs/lineage.md has the compatibility table.
"""
