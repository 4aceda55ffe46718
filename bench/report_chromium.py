"""report_chromium.py — how fast headless Chromium shows a pop3scan HTML report (bench/report.sh).

    /usr/bin/python3 bench/report_chromium.py REPORT.html RUNS TERM

Each run starts a fresh Chromium (Debian's, driven by chromium-driver through python3-selenium,
its own empty profile: a cold cache), opens the file and reads, from the page itself:
  - the Navigation Timing entry: responseEnd (the file read), domContentLoadedEventEnd (HTML
    parsed, the script run: the first view, tables drawn) and loadEventEnd;
  - data-ready, the performance.now() at which the report's script finished drawing;
then types TERM into the services search box one key at a time and reads, after each key, the
milliseconds the table took to filter and redraw (data-ms, measured in the page) and the count.
Prints one JSON object per run.
"""
import json
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]


def run(path, term):
    opts = Options()
    for f in FLAGS:
        opts.add_argument(f)
    profile = tempfile.mkdtemp(prefix="p3s-bench-chromium-")
    opts.add_argument("--user-data-dir=" + profile)
    opts.binary_location = shutil.which("chromium")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        d.set_window_size(1280, 900)
        t0 = time.monotonic()
        d.get("file://" + path)
        wall = (time.monotonic() - t0) * 1000
        while d.execute_script("return document.documentElement.getAttribute('data-ready')") is None:
            time.sleep(0.02)
        nav = d.execute_script("var n = performance.getEntriesByType('navigation')[0];"
                               "return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd];")
        ready = float(d.execute_script("return document.documentElement.getAttribute('data-ready')"))
        errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        box = d.find_element(By.ID, "s-search")
        keys = []
        for ch in term:
            box.send_keys(ch)
            table = d.find_element(By.ID, "s-table")
            keys.append({"key": ch, "ms": float(table.get_attribute("data-ms")),
                         "count": int(d.find_element(By.ID, "s-count").get_attribute("data-count"))})
        return {"get_ms": round(wall, 1), "response_end_ms": round(nav[0], 1),
                "dom_content_loaded_ms": round(nav[1], 1), "load_ms": round(nav[2], 1),
                "ready_ms": ready, "console_errors": errors, "typing": keys}
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    path, runs, term = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    for _ in range(runs):
        print(json.dumps(run(path, term)), flush=True)


if __name__ == "__main__":
    main()
