"""Browser fixtures (browser, page, sign_in) come from the shared plugin tests/browser_support.py."""
