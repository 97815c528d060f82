# Regenerate the per-source fixtures: python3 generate.py  (from this folder)
#
# Each real source in deploy/sources.yaml gets a folder <id>/ holding, at
# their URL paths, a start document in that publisher's format (GOV.UK Atom,
# WordPress RSS, plain RSS 2.0, the site's listing markup, a Yoast sitemap
# index) and two article pages in the publisher's page layout. {{SITE}}
# stands for the address the fixture is served on. The article texts are the
# project's own (offlinesite/testdata/articles.py), not copies of the
# publishers' pages.
import html, os, shutil, sys
from email.utils import format_datetime
from datetime import datetime, timezone
# The article texts are the offline site's (one copy of the project's texts).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "offlinesite", "testdata"))
from articles import ARTICLES

OUT = os.path.dirname(os.path.abspath(__file__))
e = lambda s: html.escape(s, quote=True)
def dt(d): return datetime.strptime(d, "%Y-%m-%d").replace(hour=9, tzinfo=timezone.utc)
def write(src, path, text):
    full = os.path.join(OUT, src, path.lstrip("/"))
    if path.endswith("/"): full = os.path.join(full, "index.html")
    os.makedirs(os.path.dirname(full), exist_ok=True)
    open(full, "w").write(text)

def body(paras): return "\n".join(f"<p>{e(p)}</p>" for p in paras)

# Page layouts, one per publisher family.
def govuk_page(t, d, paras):
    return f"""<!DOCTYPE html><html lang="en" class="govuk-template"><head><meta charset="utf-8"><title>{e(t)} - GOV.UK</title>
<meta name="govuk:first-published-at" content="{d}T09:00:00+00:00"><meta property="og:title" content="{e(t)}"></head>
<body class="govuk-template__body"><a href="#content" class="govuk-skip-link">Skip to main content</a>
<header class="govuk-header"><a href="/" class="govuk-header__link">GOV.UK</a><nav><a href="/browse/health">Health</a></nav></header>
<div class="govuk-width-container"><main class="govuk-main-wrapper" id="content" role="main">
<div class="gem-c-title"><span class="gem-c-title__context">Press release</span><h1 class="gem-c-title__text govuk-heading-l">{e(t)}</h1></div>
<p class="gem-c-lead-paragraph">{e(paras[0][:140])}</p>
<div class="gem-c-metadata"><dl><dt>From:</dt><dd><a href="/government/organisations/x">Department</a></dd><dt>Published</dt><dd>{dt(d).strftime('%d %B %Y')}</dd></dl></div>
<div class="govspeak">{body(paras)}</div>
<div class="gem-c-share-links"><h2>Share this page</h2><ul><li><a href="#">Facebook</a></li><li><a href="#">Twitter</a></li></ul></div>
</main></div><footer class="govuk-footer"><p>All content is available under the Open Government Licence v3.0, except where otherwise stated</p><p>&copy; Crown copyright</p></footer></body></html>
"""

def wordpress_page(site, t, d, paras):
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="UTF-8"><title>{e(t)} &#8211; {e(site)}</title>
<meta property="og:type" content="article"><meta property="article:published_time" content="{d}T09:00:00+00:00">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":{t!r},"datePublished":"{d}T09:00:00+00:00"}}</script></head>
<body class="post-template-default single single-post"><div id="page" class="site"><header id="masthead" class="site-header"><div class="site-branding"><a href="/">{e(site)}</a></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu"><li><a href="/news/">News</a></li><li><a href="/events/">Events</a></li><li><a href="/jobs/">Jobs</a></li><li><a href="/subscribe/">Subscribe</a></li></ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main"><article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{e(t)}</h1><div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{d}T09:00:00+00:00">{dt(d).strftime('%d %B %Y')}</time></span> <span class="byline">by News Team</span></div></header>
<div class="entry-content">{body(paras)}</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/ai/">AI</a></span></footer></article>
<nav class="navigation post-navigation"><a href="/prev/" rel="prev">Previous post</a> <a href="/next/" rel="next">Next post</a></nav>
<div id="comments" class="comments-area"><h2>Leave a Reply</h2><p>You must be logged in to post a comment.</p></div></main>
<aside id="secondary" class="widget-area"><section class="widget"><h2 class="widget-title">Most read</h2><ul><li><a href="/a/">Another story about NHS IT</a></li><li><a href="/b/">Yet another story</a></li></ul></section></aside></div>
<footer id="colophon" class="site-footer"><p>&copy; 2026 {e(site)}. Privacy policy. Cookie settings.</p></footer></div></body></html>
"""

def plain_page(site, t, d, paras, cls):
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(t)} | {e(site)}</title>
<meta name="dcterms.date" content="{d}"><meta property="og:title" content="{e(t)}"></head><body class="{cls}">
<header><a class="logo" href="/">{e(site)}</a><nav><a href="/news">News</a> <a href="/about">About us</a> <a href="/contact">Contact</a></nav></header>
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/news">News</a></div>
<main id="main-content"><div class="content-wrapper"><h1 class="page-title">{e(t)}</h1><div class="date">{dt(d).strftime('%d %B %Y')}</div>
<div class="field--name-body">{body(paras)}</div></div>
<div class="related-content"><h2>Related content</h2><ul><li><a href="/x">Guidance for providers</a></li><li><a href="/y">Annual report</a></li></ul></div></main>
<footer><p>{e(site)} uses cookies. Accessibility statement. Freedom of information.</p></footer></body></html>
"""

# Start documents.
def govuk_atom(self_path, title, items):
    entries = "".join(f"""
  <entry>
    <id>https://www.gov.uk/government/news/{s}#{d}T09:00:00+00:00</id>
    <updated>{d}T09:00:00+00:00</updated>
    <link rel="alternate" type="text/html" href="{{{{SITE}}}}/government/news/{s}"/>
    <title>{e(t)}</title>
    <summary type="html">{e(p[0][:160])}</summary>
  </entry>""" for s, t, d, p in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">
  <id>tag:www.gov.uk,2005:{self_path}</id>
  <link rel="alternate" type="text/html" href="https://www.gov.uk{self_path}"/>
  <link rel="self" type="application/atom+xml" href="{{{{SITE}}}}{self_path}.atom"/>
  <title>{e(title)}</title>
  <updated>{items[0][2]}T09:00:00+00:00</updated>{entries}
</feed>
"""

def wordpress_rss(site, items, path_of):
    its = "".join(f"""
	<item>
		<title>{e(t)}</title>
		<link>{{{{SITE}}}}{path_of(s, d)}</link>
		<dc:creator><![CDATA[News Team]]></dc:creator>
		<pubDate>{format_datetime(dt(d))}</pubDate>
		<category><![CDATA[Artificial Intelligence]]></category>
		<guid isPermaLink="false">{{{{SITE}}}}/?p={1000 + i}</guid>
		<description><![CDATA[{p[0][:150]} [&#8230;]]]></description>
		<content:encoded><![CDATA[{body(p)}]]></content:encoded>
	</item>""" for i, (s, t, d, p) in enumerate(items))
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
	<title>{e(site)}</title>
	<atom:link href="{{{{SITE}}}}/feed/" rel="self" type="application/rss+xml" />
	<link>{{{{SITE}}}}</link>
	<description>News</description>
	<lastBuildDate>{format_datetime(dt(items[0][2]))}</lastBuildDate>
	<language>en-GB</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<generator>https://wordpress.org/?v=6.6</generator>{its}
</channel>
</rss>
"""

def plain_rss(title, items, path_of):
    its = "".join(f"""
<item><title>{e(t)}</title><link>{{{{SITE}}}}{path_of(s, d)}</link><description>{e(p[0][:200])}</description>
<pubDate>{format_datetime(dt(d))}</pubDate><guid isPermaLink="true">{{{{SITE}}}}{path_of(s, d)}</guid></item>""" for s, t, d, p in items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>{e(title)}</title><link>{{{{SITE}}}}/</link>
<description>{e(title)}</description><language>en</language>{its}
</channel></rss>
"""

for d in os.listdir(OUT):
    if os.path.isdir(os.path.join(OUT, d)) and d != "__pycache__":
        shutil.rmtree(os.path.join(OUT, d))
pairs = [ARTICLES[i:i + 2] for i in range(0, 36, 2)]
def nxt(): return pairs.pop(0)

# GOV.UK Atom sources.
for src, path, title in [("mhra", "/government/organisations/medicines-and-healthcare-products-regulatory-agency", "Medicines and Healthcare products Regulatory Agency - Activity on GOV.UK"),
                         ("dhsc", "/government/organisations/department-of-health-and-social-care", "Department of Health and Social Care - Activity on GOV.UK"),
                         ("govuk-ai-health", "/search/news-and-communications", "News and communications - GOV.UK")]:
    items = nxt()
    write(src, path + ".atom", govuk_atom(path, title, items))
    for s, t, d, p in items:
        write(src, f"/government/news/{s}", govuk_page(t, d, p))

# WordPress feeds.
for src, site in [("nhs-england", "NHS England"), ("digihealthcare-scot", "Digital Health and Care Scotland"), ("hdruk", "HDR UK"),
                  ("digital-health-news", "Digital Health"), ("htn", "HTN Health Tech Newspaper")]:
    items = nxt()
    path_of = lambda s, d: f"/{d[:4]}/{d[5:7]}/{s}/"
    write(src, "/feed/index.xml", wordpress_rss(site, items, path_of))
    for s, t, d, p in items:
        write(src, path_of(s, d), wordpress_page(site, t, d, p))

# Plain RSS 2.0 feeds.
for src, start, site, path_of in [
        ("medtechdive", "/feeds/news/", "MedTech Dive", lambda s, d: f"/news/{s}/"),
        ("fda-press", "/about-fda/contact-fda/stay-informed/rss-feeds/press-releases/rss.xml", "FDA", lambda s, d: f"/news-events/press-announcements/{s}"),
        ("fda-medical-devices", "/about-fda/contact-fda/stay-informed/rss-feeds/medical-devices/rss.xml", "FDA", lambda s, d: f"/medical-devices/medical-devices-news-and-events/{s}"),
        ("who-news", "/rss-feeds/news-english.xml", "WHO", lambda s, d: f"/news/item/{d[8:10]}-{d[5:7]}-{d[:4]}-{s}")]:
    items = nxt()
    if start.endswith("/"):
        write(src, start + "index.xml", plain_rss(site + " news", items, path_of))
    else:
        write(src, start, plain_rss(site + " news", items, path_of))
    for s, t, d, p in items:
        write(src, path_of(s, d), plain_page(site, t, d, p, "node--type-news"))

# Listing pages, each in its site's markup, matching the selectors in deploy/sources.yaml.
def put_listing(src, start, site, card, nextlink, path_of, items):
    a, b = items
    head = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>News | {e(site)}</title></head><body>
<header><a href="/">{e(site)}</a><nav><a href="/news">News</a> <a href="/about">About</a></nav></header><main><h1>News</h1>
"""
    foot = f"""</main><footer>&copy; {e(site)}</footer></body></html>\n"""
    if nextlink:
        p1 = head + card(path_of(a[0]), a[1], a[2]) + '<p class="promo"><a href="/newsletter">Sign up to our newsletter</a></p>\n' + nextlink(start.rstrip("/") + "/page-2/") + foot
        p2 = head + card(path_of(b[0]), b[1], b[2]) + foot
        write(src, start.rstrip("/") + "/", p1)
        write(src, start.rstrip("/") + "/page-2/", p2)
    else:
        write(src, start.rstrip("/") + "/", head + card(path_of(a[0]), a[1], a[2]) + card(path_of(b[0]), b[1], b[2]) + foot)
    for s, t, d, p in items:
        write(src, path_of(s), plain_page(site, t, d, p, "page-news"))

put_listing("cqc", "/news", "Care Quality Commission",
    lambda h, t, d: f'<div class="news-listing"><article class="teaser"><h3><a href="{h}">{e(t)}</a></h3><time>{d}</time></article></div>\n',
    lambda h: f'<nav class="pager"><a rel="next" href="{h}">Next page</a></nav>\n', lambda s: f"/news/{s}", nxt())
put_listing("nice-news", "/news/articles", "NICE",
    lambda h, t, d: f'<ul class="news-list"><li><a class="news-list__link" href="{h}">{e(t)}</a><span>{d}</span></li></ul>\n',
    lambda h: f'<a class="pagination__next" href="{h}">Next</a>\n', lambda s: f"/news/articles/{s}", nxt())
put_listing("nhs-confed", "/news", "NHS Confederation",
    lambda h, t, d: f'<div class="views-row"><div class="card"><h3 class="card__title"><a href="{h}">{e(t)}</a></h3></div></div>\n',
    lambda h: f'<ul class="pager"><li class="pager__item pager__item--next"><a href="{h}">Next</a></li></ul>\n', lambda s: f"/news/{s}", nxt())
put_listing("dhcw", "/news/", "Digital Health and Care Wales",
    lambda h, t, d: f'<div class="news-item"><a class="news-item__link" href="{h}"><span>{e(t)}</span></a></div>\n',
    None, lambda s: f"/news/{s}/", nxt())
put_listing("nihr", "/news", "NIHR",
    lambda h, t, d: f'<div class="search-results"><article class="card"><a class="card__link" href="{h}"><h3>{e(t)}</h3></a></article></div>\n',
    lambda h: f'<a class="next-page" href="{h}">Next</a>\n', lambda s: f"/news/{s}", nxt())

# A Yoast sitemap index: posts (kept by the include pattern) and pages (not).
items = nxt()
write("nhs-england-sitemap", "/sitemap_index.xml", """<?xml version="1.0" encoding="UTF-8"?><?xml-stylesheet type="text/xsl" href="//www.england.nhs.uk/wp-content/plugins/wordpress-seo/css/main-sitemap.xsl"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
	<sitemap><loc>{{SITE}}/post-sitemap.xml</loc><lastmod>2026-09-02T09:00:00+00:00</lastmod></sitemap>
	<sitemap><loc>{{SITE}}/page-sitemap.xml</loc><lastmod>2026-08-01T09:00:00+00:00</lastmod></sitemap>
</sitemapindex>
""")
write("nhs-england-sitemap", "/post-sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n' +
      "".join(f"\t<url>\n\t\t<loc>{{{{SITE}}}}/{d[:4]}/{d[5:7]}/{s}/</loc>\n\t\t<lastmod>{d}T09:00:00+00:00</lastmod>\n\t</url>\n" for s, t, d, p in items) + "</urlset>\n")
write("nhs-england-sitemap", "/page-sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n\t<url><loc>{{SITE}}/about-us/</loc></url>\n\t<url><loc>{{SITE}}/contact-us/</loc></url>\n</urlset>\n')
for s, t, d, p in items:
    write("nhs-england-sitemap", f"/{d[:4]}/{d[5:7]}/{s}/", wordpress_page("NHS England", t, d, p))
assert not pairs, len(pairs)
print("fixtures written")
