# Placeholder until the infra work lands; see README.
PY := .venv/bin/python
test:
	$(PY) -m pytest -q
