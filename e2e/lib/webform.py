#!/usr/bin/env python3
"""Drive the server-rendered web frontend like a browser without JavaScript would: fetch a
page, find a form, fill it (keeping hidden fields such as the CSRF token), submit it with the
session cookie. Test tooling for e2e/run only (standard library, no network but the URL given).

  webform.py --base URL --jar COOKIES  signup EMAIL PASSWORD NAME  chat MESSAGE  expect TEXT ...

Steps run in order; the cookie jar (Netscape format, readable by curl -b) is saved at the end.
"""
import argparse
import html.parser
import http.cookiejar
import sys
import urllib.error
import urllib.parse
import urllib.request


class Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.cur = [], None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.cur = {"attrs": a, "fields": []}
            self.forms.append(self.cur)
        elif self.cur is not None and tag in ("input", "textarea", "select", "button"):
            self.cur["fields"].append((tag, a))

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None


class Browser:
    def __init__(self, base, jar_path):
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.MozillaCookieJar(jar_path)
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def req(self, path, data=None, hx=False):
        url = urllib.parse.urljoin(self.base + "/", path)
        headers = {"Origin": self.base, "Referer": self.base + "/", "User-Agent": "todo-e2e"}
        if hx:
            headers["HX-Request"] = "true"
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        r = urllib.request.Request(url, data=body, headers=headers)
        try:
            with self.op.open(r, timeout=15) as resp:
                return resp.status, resp.geturl(), resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, url, e.read().decode("utf-8", "replace")

    def forms(self, page):
        p = Forms()
        p.feed(page)
        return p.forms

    def submit(self, page_url, form, values):
        data = {}
        for tag, a in form["fields"]:
            name = a.get("name")
            if not name:
                continue
            if tag == "input" and a.get("type", "text") in ("checkbox", "radio") and "checked" not in a:
                continue
            if tag in ("button",) or a.get("type") == "submit":
                continue
            data[name] = a.get("value", "")
        data.update(values)
        fa = form["attrs"]
        action = fa.get("action") or fa.get("hx-post") or page_url
        return self.req(urllib.parse.urljoin(page_url, action), data, hx="hx-post" in fa)


def field_names(form):
    return [(t, a) for t, a in form["fields"] if a.get("name")]


def signup(b, email, password, name):
    for path in ("/signup", "/register", "/auth/signup", "/"):
        st, url, page = b.req(path)
        if st != 200:
            continue
        for f in b.forms(page):
            fields = field_names(f)
            if not any(a.get("type") == "password" for _, a in fields):
                continue
            if not any("name" == a["name"].lower() or "display" in a["name"].lower() for _, a in fields):
                continue  # a login form; look for the sign-up one
            values = {}
            for _, a in fields:
                n, t = a["name"], a.get("type", "text")
                if t == "password":
                    values[n] = password
                elif "email" in n.lower() or t == "email":
                    values[n] = email
                elif n.lower() in ("name", "display_name", "displayname", "full_name"):
                    values[n] = name
            st, url2, page2 = b.submit(url, f, values)
            if st >= 400:
                sys.exit(f"signup form at {url} -> {st}: {page2[:300]}")
            print(f"signup via {url} -> {st} {url2}")
            return
    sys.exit("no sign-up form found (looked at /signup, /register, /auth/signup, /)")


def chat(b, message):
    st, url, page = b.req("/")
    if st != 200:
        sys.exit(f"GET / after signup -> {st}")
    # the chat form: a textarea (or visible text input) named message; suggestion buttons
    # are forms with a hidden "message" and come second
    best = None
    for f in b.forms(page):
        for tag, a in field_names(f):
            n = a["name"].lower()
            if n not in ("message", "msg", "chat", "prompt", "content"):
                continue
            rank = 0 if tag == "textarea" else (1 if a.get("type", "text") == "text" else 2)
            if best is None or rank < best[0]:
                best = (rank, f, a["name"])
    if best is None:
        sys.exit("no chat form (a textarea or input named message) on /")
    _, f, name = best
    st, url2, page2 = b.submit(url, f, {name: message})
    if st >= 400:
        sys.exit(f"chat form -> {st}: {page2[:300]}")
    print(f"chat '{message}' -> {st}")


def expect(b, text):
    st, url, page = b.req("/")
    if st != 200 or text.lower() not in page.lower():
        sys.exit(f"GET / -> {st}; '{text}' not on the page")
    print(f"'{text}' is on the task page")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--jar", required=True)
    ap.add_argument("steps", nargs="+")
    o = ap.parse_args()
    b = Browser(o.base, o.jar)
    s = o.steps
    i = 0
    while i < len(s):
        if s[i] == "signup":
            signup(b, s[i + 1], s[i + 2], s[i + 3]); i += 4
        elif s[i] == "chat":
            chat(b, s[i + 1]); i += 2
        elif s[i] == "expect":
            expect(b, s[i + 1]); i += 2
        else:
            sys.exit(f"unknown step {s[i]}")
    b.jar.save(ignore_discard=True, ignore_expires=True)


if __name__ == "__main__":
    main()
