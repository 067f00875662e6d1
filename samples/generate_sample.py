#!/usr/bin/env python3
"""Writes samples/access.log: a realistic nginx/Apache combined access log for the demo.

Many visitors (each with a stable address and browser), crawlers, static assets,
downloads, outbound link clicks through /out?u=..., errors, and a few malformed
lines. Deterministic (seeded), so the demo's figures are the same on every machine.
"""
import random
import sys
from datetime import datetime, timedelta, timezone

random.seed(20261127)

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "-",
]
PAGES = ["/", "/products", "/products/alpha", "/products/beta", "/pricing", "/blog",
         "/blog/tailing-logs-right", "/blog/what-is-xdm", "/about", "/contact", "/search?q=edge+network",
         "/search?q=log+shipper&page=2", "/docs/install", "/docs/pipelines", "/careers"]
ASSETS = ["/static/app.css", "/static/app.js", "/static/logo.svg", "/favicon.ico",
          "/static/fonts/inter.woff2", "/static/img/hero.webp", "/static/app.js.map"]
DOWNLOADS = ["/files/whitepaper.pdf", "/files/edgetail-1.0.tar.gz", "/files/pricing.pdf", "/files/sdk.zip"]
OUTBOUND = ["https://github.com/example/edgetail", "https://experienceleague.adobe.com/docs/experience-platform/",
            "https://www.linkedin.com/company/example", "https://news.ycombinator.com/item?id=1"]
REFERERS = ["-", "https://www.google.com/", "https://duckduckgo.com/", "https://www.example.com/",
            "https://www.example.com/blog", "https://t.co/abc123"]

def visitors(count):
    people = []
    for index in range(count):
        ip = f"{random.choice([81, 92, 151, 185, 203])}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        if index % 11 == 0:
            ip = f"2001:db8:{random.randint(0, 0xffff):x}::{random.randint(1, 0xffff):x}"
        people.append((ip, random.choice(BROWSERS)))
    return people

def clf_time(moment):
    return moment.strftime("%d/%b/%Y:%H:%M:%S %z")

def line(ip, moment, method, target, status, size, referer, agent):
    return f'{ip} - - [{clf_time(moment)}] "{method} {target} HTTP/1.1" {status} {size} "{referer}" "{agent}"'

def main():
    out = sys.stdout
    zone = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 2, 8, 0, 0, tzinfo=zone)
    people = visitors(400)
    lines = []
    for _ in range(6000):
        moment += timedelta(seconds=random.randint(0, 3))
        roll = random.random()
        if roll < 0.12:
            agent = random.choice(BOTS)
            ip = f"66.249.{random.randint(64, 79)}.{random.randint(1, 254)}"
            lines.append(line(ip, moment, "GET", random.choice(PAGES), 200, random.randint(2000, 40000), "-", agent))
            continue
        ip, agent = random.choice(people)
        referer = random.choice(REFERERS)
        if roll < 0.40:
            target = random.choice(ASSETS)
            status = random.choice([200, 200, 304])
            lines.append(line(ip, moment, "GET", target, status, 0 if status == 304 else random.randint(500, 90000), "https://www.example.com/", agent))
        elif roll < 0.46:
            lines.append(line(ip, moment, "GET", random.choice(DOWNLOADS), 200, random.randint(100000, 9000000), "https://www.example.com/docs/install", agent))
        elif roll < 0.52:
            from urllib.parse import quote
            target = "/out?u=" + quote(random.choice(OUTBOUND), safe="")
            lines.append(line(ip, moment, "GET", target, 302, 0, "https://www.example.com/blog", agent))
        elif roll < 0.57:
            lines.append(line(ip, moment, "GET", random.choice(["/old-page", "/wp-login.php", "/.env", "/products/gamma"]), 404, 153, referer, agent))
        elif roll < 0.59:
            lines.append(line(ip, moment, "POST", "/contact", random.choice([200, 500]), 512, "https://www.example.com/contact", agent))
        elif roll < 0.60:
            lines.append(line(ip, moment, "GET", "/products", 503, 0, referer, agent))
        else:
            page = random.choice(PAGES)
            status = 304 if random.random() < 0.1 else 200
            lines.append(line(ip, moment, "GET", page, status, random.randint(3000, 60000), referer, agent))
    # Malformed lines, as real logs have them: a TLS probe, a cut line, garbage.
    lines.insert(100, '203.0.113.9 - - [02/Nov/2026:08:03:11 +0100] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03" 400 157 "-" "-"')
    lines.insert(2000, '203.0.113.10 - - [02/Nov/2026:08:50:00 +0100] "GET /pricing HTTP/1.1" 200')
    lines.insert(4000, 'this is not an access log line at all')
    lines.insert(5000, '198.51.100.7 - - [31/Foo/2026:25:61:00 +0100] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0"')
    out.write("\n".join(lines) + "\n")

main()
