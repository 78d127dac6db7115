"""The demo mesh: a believable data mesh for demos, screenshots and load tests, loaded by `manage.py seed_demo`.

The top layer: it writes through every app's services and models, and no app imports it.
"""
