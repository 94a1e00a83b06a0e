#!/usr/bin/python3
"""Logs in to cockpit-ws with headless chromium, run inside a network namespace
by test_cockpit.py (so the browser comes from that namespace's addresses):

  browser_login.py URL USER PASSWORD PROFILE_DIR

Prints one line: "logged-in", or "refused: <the login page's message>"; exit 0
either way (the test judges), 1 when neither happened within the timeout."""

import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

TIMEOUT = 60


def main():
    url, user, password, profile = sys.argv[1:5]
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,860", "--user-data-dir=" + profile, "--lang=en-US"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        d.get(url + "/")
        deadline = time.monotonic() + TIMEOUT
        while not d.find_elements("css selector", "#login-user-input"):
            if time.monotonic() > deadline:
                print("no login page")
                return 1
            time.sleep(0.05)
        d.find_element("css selector", "#login-user-input").send_keys(user)
        d.find_element("css selector", "#login-password-input").send_keys(password)
        d.find_element("css selector", "#login-button").click()
        while time.monotonic() < deadline:
            try:
                err = d.find_elements("css selector", "#login-error-message")
                if err and err[0].is_displayed() and err[0].text.strip():
                    print("refused: " + err[0].text.strip().replace("\n", " "))
                    return 0
                if d.find_elements("css selector", "iframe[name^='cockpit1:']"):
                    print("logged-in")
                    return 0
            except WebDriverException:
                pass
            time.sleep(0.05)
        print("neither logged in nor refused")
        return 1
    finally:
        d.quit()


if __name__ == "__main__":
    sys.exit(main())
