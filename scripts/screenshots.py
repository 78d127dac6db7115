"""Screenshots of the main pages at desktop and phone width, to look at (not assertions, not committed).

    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000 [--out var/screenshots] [--full]

Signs in as the demo user (`manage.py seed_demo` made it) in Debian's Chromium, visits each page at 1366x900
and 390x844 and writes `<page>-<width>.png` into the output folder (under var/, which git ignores). Without
--full each picture is the first screen only, which is what the product page's layout is judged by.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SIZES = {1366: 900, 390: 844}
PAGES = {
    "home": "/",
    "products": "/products/",
    "product": "/products/sales/orders/",
    "product-schema": "/products/sales/orders/?tab=schema",
    "product-quality": "/products/sales/orders/?tab=quality",
    "product-lineage": "/products/sales/orders/?tab=lineage",
    "product-access": "/products/sales/orders/?tab=access",
    "search": "/search/?q=orders",
    "domains": "/domains/",
    "domain": "/domains/sales/",
    "mesh": "/mesh/",
    "lineage": "/lineage/",
    "glossary": "/glossary/",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the running portal, e.g. http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "var" / "screenshots"))
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--full", action="store_true", help="whole pages instead of the first screen")
    parser.add_argument("--only", nargs="*", help="page names to take (default: all)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = {k: v for k, v in PAGES.items() if not args.only or k in args.only}

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        for width, height in SIZES.items():
            context = browser.new_context(base_url=args.base, viewport={"width": width, "height": height})
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.get_by_label("Username").fill(args.user)
            page.get_by_label("Password").fill(args.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/")
            for name, path in pages.items():
                page.goto(path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{width}.png"
                page.screenshot(path=str(target), full_page=args.full)
                height_px = page.evaluate("() => document.documentElement.scrollHeight")
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}  (page {height_px}px)")
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
