# Regenerate the offline site: python3 generate.py site  (from this folder)
import html, os, sys
from email.utils import format_datetime
from datetime import datetime, timezone
sys.path.insert(0, os.path.dirname(__file__))
from articles import ARTICLES
out = sys.argv[1]
os.makedirs(out + "/articles", exist_ok=True); os.makedirs(out + "/feeds", exist_ok=True)
os.makedirs(out + "/news/page/2", exist_ok=True); os.makedirs(out + "/news/page/3", exist_ok=True)
os.makedirs(out + "/private", exist_ok=True); os.makedirs(out + "/sitemaps", exist_ok=True)
BASE = "https://demo.horizon.invalid"  # never fetched: pages use relative links
def e(s): return html.escape(s, quote=True)
def dt(d): return datetime.strptime(d, "%Y-%m-%d").replace(hour=9, tzinfo=timezone.utc)
CHROME_HEAD = """<header class="site-header"><a class="logo" href="/">Health Innovation Today</a>
<nav><ul><li><a href="/news/">News</a></li><li><a href="/feeds/news.rss">RSS</a></li><li><a href="/about.html">About</a></li><li><a href="/contact.html">Contact</a></li></ul></nav></header>"""
CHROME_FOOT = """<footer class="site-footer"><p>Health Innovation Today is an independent news service. We use cookies to improve your experience; see our cookie policy.</p>
<p>&copy; 2026 Health Innovation Today. All rights reserved. Registered in England and Wales.</p></footer>"""
for i, (slug, title, date, paras) in enumerate(ARTICLES):
    related = [a for a in ARTICLES if a[0] != slug][i % 30:(i % 30) + 3]
    rel = "".join(f'<li><a href="/articles/{a[0]}.html">{e(a[1])}</a></li>' for a in related)
    body = "\n".join(f"<p>{e(p)}</p>" for p in paras)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)} | Health Innovation Today</title>
<meta property="og:title" content="{e(title)}">
<meta property="article:published_time" content="{date}T09:00:00Z">
<meta name="description" content="{e(paras[0][:150])}">
<link rel="canonical" href="/articles/{slug}.html"></head>
<body>{CHROME_HEAD}
<main><article><h1>{e(title)}</h1>
<p class="byline">By the news team &middot; <time datetime="{date}T09:00:00Z">{dt(date).strftime('%d %B %Y')}</time></p>
<div class="article-body">
{body}
</div></article>
<aside class="related"><h2>Related stories</h2><ul>{rel}</ul></aside>
<div class="newsletter"><h2>Sign up to our newsletter</h2><p>Get the week's health technology news in your inbox every Friday.</p></div>
</main>{CHROME_FOOT}</body></html>
"""
    open(f"{out}/articles/{slug}.html", "w").write(page)

rss, atom, listing, sitemap = ARTICLES[0:10], ARTICLES[10:18], ARTICLES[18:30], ARTICLES[30:]
items = "".join(f"""
  <item><title>{e(t)}</title><link>/articles/{s}.html</link><guid isPermaLink="false">hit-{s}</guid>
    <pubDate>{format_datetime(dt(d))}</pubDate><description>{e(p[0])}</description></item>""" for s, t, d, p in rss)
open(f"{out}/feeds/news.rss", "w").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Health Innovation Today: news</title><link>/</link>
<description>News about digital and AI technologies in the NHS</description>{items}
</channel></rss>
""")
entries = "".join(f"""
  <entry><title>{e(t)}</title><link rel="alternate" href="/articles/{s}.html"/><id>urn:hit:{s}</id>
    <updated>{d}T09:00:00Z</updated><published>{d}T09:00:00Z</published><summary>{e(p[0])}</summary></entry>""" for s, t, d, p in atom)
open(f"{out}/feeds/regulation.atom", "w").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Health Innovation Today: regulation and evidence</title>
<id>urn:hit:regulation</id><updated>{atom[0][2]}T09:00:00Z</updated><link rel="self" href="/feeds/regulation.atom"/>{entries}
</feed>
""")
pages = [listing[0:4], listing[4:8], listing[8:12]]
for n, chunk in enumerate(pages, 1):
    cards = "".join(f"""<div class="card"><h2><a class="story-link" href="/articles/{s}.html">{e(t)}</a></h2><p>{e(p[0][:120])}…</p><span class="date">{d}</span></div>
""" for s, t, d, p in chunk)
    if n == 1:  # the same story again with campaign tracking, and a page robots.txt forbids
        s = chunk[0][0]
        cards += f'<div class="card"><h2><a class="story-link" href="/articles/{s}.html?utm_source=newsletter&amp;utm_medium=email">{e(chunk[0][1])} (from our newsletter)</a></h2></div>\n'
        cards += '<div class="card"><h2><a class="story-link" href="/private/draft.html">Embargoed draft</a></h2></div>\n'
    nxt = f'<a class="next" rel="next" href="/news/page/{n+1}/">Older stories</a>' if n < len(pages) else ""
    path = f"{out}/news/index.html" if n == 1 else f"{out}/news/page/{n}/index.html"
    open(path, "w").write(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>News, page {n} | Health Innovation Today</title></head>
<body>{CHROME_HEAD}<main><h1>Latest news</h1><section class="stories">
{cards}</section><nav class="pagination">{nxt}</nav></main>{CHROME_FOOT}</body></html>
""")
open(f"{out}/private/draft.html", "w").write("<!DOCTYPE html><html><body><h1>Embargoed</h1><p>Not for crawling.</p></body></html>\n")
urls = "".join(f"<url><loc>/articles/{s}.html</loc><lastmod>{d}</lastmod></url>\n" for s, t, d, p in sitemap)
open(f"{out}/sitemaps/articles.xml", "w").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}</urlset>
""")
open(f"{out}/sitemap.xml", "w").write("""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>/sitemaps/articles.xml</loc></sitemap>
</sitemapindex>
""")
open(f"{out}/robots.txt", "w").write("User-agent: *\nDisallow: /private/\n\nSitemap: /sitemap.xml\n")
open(f"{out}/index.html", "w").write(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Health Innovation Today</title></head>
<body>{CHROME_HEAD}<main><h1>Health Innovation Today</h1><p>Independent news on digital health and AI in the NHS. See the <a href="/news/">latest news</a>.</p></main>{CHROME_FOOT}</body></html>
""")
print(len(ARTICLES), "articles")
