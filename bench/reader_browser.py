"""How fast the reader is in a real browser with a thousand annotations.

Standalone: builds the same data as bench/reader.py (a temporary SQLite database, one
bundled article copied with 0, 10 and 1,000 group annotations), serves it on
loopback, and drives /usr/bin/chromium through Playwright at 1280 px (and the
1,000-annotation article at 390 px). For each it measures, with the Performance API:

- ready_ms: from the page's load event until the highlights and the margin notes
  in view are placed (annotate.js marks ``reader:placed``; 0 if before the load);
- longest_task_ms: the longest main-thread task (``longtask`` entries) from the
  start of the navigation (the observer is registered before the page's first
  byte is parsed) through the load event and scrolling through the whole
  article; the table also gives the longest before the load event and the
  longest while scrolling apart.

Ends with one summary line for the 1,000-annotation article:

    annotations=1000 ready_ms=… longest_task_ms=…

With ``--screenshots DIR`` it also saves the reader at 1280 and 390 px with 0, 10
and 1,000 notes (the first screen, and a note opened).

Run: .venv/bin/python bench/reader_browser.py [--screenshots DIR]
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reader import build, setup  # noqa: E402  (bench/reader.py, same folder)

COUNTS = [0, 10, 1000]
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}

# Collected from the start of every page: long tasks, and when annotate.js placed
# the notes in view.
OBSERVE = """
window.__longtasks = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__longtasks.push([entry.startTime, entry.duration]);
    }
  }).observe({ type: "longtask", buffered: true });
} catch (error) {}
"""

MEASURE = """async () => {
  const waitFor = async (test) => {
    for (let i = 0; i < 200 && !test(); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const nav = performance.getEntriesByType("navigation")[0];
  await waitFor(() => nav.loadEventEnd > 0);
  const loaded = nav.loadEventEnd;
  const hasNotes = document.querySelector(".para-block--notes") !== null;
  const placedYet = () => performance.getEntriesByName("reader:placed").length;
  await waitFor(() => !hasNotes || placedYet());
  const placed = performance.getEntriesByName("reader:placed")[0];
  const ready = placed ? Math.max(0, placed.startTime - loaded) : 0;
  // Scroll through the whole article, a screen at a time, as a reader would.
  const step = window.innerHeight * 0.9;
  const end = () => document.documentElement.scrollHeight - 2;
  while (window.scrollY + window.innerHeight < end()) {
    window.scrollBy(0, step);
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 60)));
  }
  await new Promise((r) => setTimeout(r, 300));
  const most = (tasks) => tasks.reduce((m, [, d]) => Math.max(m, d), 0);
  const tasks = window.__longtasks;
  return {
    ready,
    longest: most(tasks),
    atLoad: most(tasks.filter(([start]) => start < loaded)),
    scrolling: most(tasks.filter(([start]) => start >= loaded)),
    load: loaded,
  };
}"""


def serve():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread, f"http://127.0.0.1:{thread.port}"


def session_cookie(member, url: str) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(member)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup(Path(folder) / "bench.sqlite3")
        from django.conf import settings

        # A plain http loopback server: the session cookie must not need https.
        settings.SESSION_COOKIE_SECURE = False
        settings.CSRF_COOKIE_SECURE = False
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        reader, articles = build(COUNTS)
        thread, base = serve()
        try:
            results = run(base, reader, articles, args.screenshots)
        finally:
            thread.terminate()
    print(
        f"{'annotations':>11}  {'width':>5}  {'load ms':>8}  {'ready ms':>8}  "
        f"{'longest task ms: to load':>24}  {'scrolling':>9}  {'all':>5}"
    )
    for (count, width), measured in results.items():
        print(
            f"{count:>11}  {width:>5}  {measured['load']:>8.0f}  "
            f"{measured['ready']:>8.0f}  {measured['atLoad']:>24.0f}  "
            f"{measured['scrolling']:>9.0f}  {measured['longest']:>5.0f}"
        )
    last = results[1000, DESKTOP["width"]]
    print(
        f"annotations=1000 ready_ms={last['ready']:.0f} "
        f"longest_task_ms={last['longest']:.0f}"
    )


def run(base, reader, articles, screenshots: Path | None) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        cookie = session_cookie(reader, base)
        # Every size at 1280 px (the margin cards), the largest at 390 px too (the
        # bottom sheet's layout).
        for viewport, sizes in [(DESKTOP, articles), (PHONE, [max(articles)])]:
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            context.add_cookies([cookie])
            context.add_init_script(OBSERVE)
            page = context.new_page()
            for count in sizes:
                url = f"{base}{articles[count].get_absolute_url()}"
                page.goto(url, wait_until="load")
                results[count, viewport["width"]] = page.evaluate(MEASURE)
            context.close()
        if screenshots:
            shoot(browser, cookie, base, articles, screenshots)
        browser.close()
    return results


def shoot(browser, cookie, base, articles, folder: Path) -> None:
    from articles.models import Annotation

    folder.mkdir(parents=True, exist_ok=True)
    for name, options in [
        ("desktop", {"viewport": DESKTOP}),
        ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True}),
    ]:
        context = browser.new_context(locale="zh-CN", **options)
        context.add_cookies([cookie])
        page = context.new_page()
        for count, article in articles.items():
            url = f"{base}{article.get_absolute_url()}"
            page.goto(url, wait_until="load")
            page.wait_for_timeout(300)
            page.screenshot(path=str(folder / f"reader-{count}-{name}.png"))
            note = (
                Annotation.objects.filter(paragraph__article=article)
                .order_by("pk")
                .first()
            )
            if note is not None:
                page.goto(f"{url}?focus={note.pk}#a-{note.pk}", wait_until="load")
                page.wait_for_timeout(600)
                page.screenshot(path=str(folder / f"reader-{count}-{name}-focus.png"))
        context.close()


if __name__ == "__main__":
    main()
