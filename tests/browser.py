"""Headless Chromium for the tests: Debian's chromium and chromium-driver, driven by Selenium.

Nothing is downloaded: the driver is named explicitly (so that Selenium's own manager never
fetches one), and the browser starts with its background networking off. `scripts/test.sh`
installs both packages on a Debian machine; ``BACKPROPLAB_CHROMIUM`` and
``BACKPROPLAB_CHROMEDRIVER`` name other binaries.

A `Browser` keeps the console messages and the network requests of the pages it opens, so that
each test can check that a page logged no error and asked for nothing outside its own file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = os.environ.get("BACKPROPLAB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BACKPROPLAB_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = (
    "the browser tests need Chromium and its driver: on Debian or Ubuntu, as root, "
    "apt-get install chromium chromium-driver fonts-dejavu-core fonts-liberation "
    "(bash scripts/test.sh does it), or set BACKPROPLAB_CHROMIUM and BACKPROPLAB_CHROMEDRIVER"
)

FLAGS = [
    "--headless",
    "--no-sandbox",  # the tests may run as root (CI does)
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


class Browser:
    """One headless Chromium with a fresh profile, and what its pages logged and requested."""

    def __init__(self, width: int = 1400, height: int = 900) -> None:
        for binary in (CHROMIUM, CHROMEDRIVER):
            if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
                raise RuntimeError(f"{binary} not found: {INSTALL_HINT}")
        self.profile = tempfile.mkdtemp(prefix="backproplab-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in [*FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(
            service=Service(executable_path=CHROMEDRIVER), options=options
        )
        self.logs()  # the browser's own start-up page

    def open(self, path: Path, fragment: str = "") -> None:
        """Open a file as file://path#fragment, forgetting what earlier pages logged."""
        self.logs()
        self.driver.get(path.resolve().as_uri() + fragment)

    def run(self, script: str, *arguments: object) -> object:
        return self.driver.execute_script(script, *arguments)

    def logs(self) -> tuple[list[str], list[str]]:
        """The console errors and the URLs that pages requested since the last call.

        Requests of the browser's own pages (its new-tab page, loading as it starts) are left
        out: they come from chrome:// documents, never from a page under test.
        """
        errors = [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] in ("SEVERE", "ERROR")
        ]
        requests = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                params = message["params"]
                if not params.get("documentURL", "").startswith("chrome://"):
                    requests.append(params["request"]["url"])
        return errors, requests

    def quit(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)
