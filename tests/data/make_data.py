"""Make the files under tests/data/formats with real tools (reportlab, LibreOffice, pikepdf,
python-docx, Pillow). The files are committed; tests never run this.

    python tests/data/make_data.py     # needs: pip install reportlab pikepdf python-docx pillow
                                        # and LibreOffice (soffice) on PATH
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "formats"

HEADER = "Harbour Authority Annual Report 2025"
# (page text lines as drawn, with hyphen breaks and sentences wrapped mid-way)
REPORT_PAGES = [
    ["The harbour authority met eleven times during the year under",
     "review. Its inter-",
     "national partners from Norway and Portugal attended the spring",
     "meeting in the old customs house.",
     "",
     "The breakwater repairs were finished in September at a cost of",
     "four million euros, paid from the maintenance re-",
     "serve fund."],
    ["Passenger numbers on the island ferry rose to 212,000, the",
     "highest figure since the service began in 1987.",
     "",
     "A new electric pilot boat, named Gannet, entered service in",
     "June and halved the fuel bill of the pilot station."],
    ["The lighthouse keeper's cottage was leased to a marine",
     "research group from the university for ten years.",
     "",
     "Dredging of the inner basin is planned for the spring of",
     "2026, subject to an environ-",
     "mental assessment."],
]

LEFT = ["The northern quay handles timber and grain.",
        "Its cranes were built in Glasgow in 1961.",
        "Ships wait at the northern quay for an average of six hours.",
        "The quay is closed on public holidays."]
RIGHT = ["The southern quay serves the fishing fleet.",
         "Its ice plant produces forty tonnes a day.",
         "The fish auction opens at five in the morning.",
         "Visitors may watch from the gallery."]


def report_pdf(path: Path) -> None:
    """Three pages with a running header and footer, wrapped lines and hyphen breaks."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Harbour report")
    width, height = A4
    for number, lines in enumerate(REPORT_PAGES, 1):
        c.setFont("Helvetica", 9)
        c.drawString(72, height - 40, HEADER)
        c.drawString(width / 2, 30, f"Page {number}")
        c.setFont("Times-Roman", 12)
        y = height - 100
        for line in lines:
            if line:
                c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()


def columns_pdf(path: Path) -> None:
    """One page in two columns, drawn line by line across the page (left line, right line, ...)
    as some typesetters do, so reading in drawing order would interleave the columns."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    def wrap(sentences: list[str], width: int = 42) -> list[str]:
        lines, line = [], ""
        for word in " ".join(sentences).split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        return [*lines, line]

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Quays")
    c.setFont("Times-Roman", 11)
    _, height = A4
    left, right = wrap(LEFT), wrap(RIGHT)
    for i in range(max(len(left), len(right))):
        y = height - 90 - 14 * i
        if i < len(left):
            c.drawString(56, y, left[i])
        if i < len(right):
            c.drawString(316, y, right[i])
    c.showPage()
    c.save()


NEWSLETTER_LEFT = ["The new pilot boat Gannet is a must-", "have for the harbour, says the pilot",
                   "station. Its engines are inter-", "changeable with those of the tug.", "",
                   "The crew trained for a fourth-", "quarter start in the winter with the"]
NEWSLETTER_RIGHT = ["Harbour Master and the two pilots", "- who took turns at the helm - on",
                    "the darkest nights of the year.", "",
                    "A new fuel store will open next to", "the ice plant in May.", "",
                    "The harbour master thanks every-", "one in the crew of the pilot boat"]
NEWSLETTER_SHORT = ["Gannet who helped with the move. The", "office stays open on Sundays.", "",
                    "The summer timetable for the year", "2026 adds a late ferry on Fridays.",
                    "Tickets are sold at the kiosk on", "Pier Road from seven in the morning.",
                    "", "Fares will be held down, as the", "timetable's savings easily out-",
                    "weigh its costs."]


def newsletter_pdf(path: Path) -> None:
    """Two pages as a newsletter: a header in two pieces (left, and right naming the page's
    topic, so no header line repeats) in small type, a
    title across two columns, line-end hyphens that are compounds ("must-have") and word
    breaks ("every-one"), a centred footer ending in the page number, which crosses the
    gutter; on page 2 only the left column has text (its lines are under half the page wide,
    and a line starting with a digit or capital still continues its sentence), and it starts
    with a capital by finishing the last sentence of page 1."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Harbour News")
    width, height = A4
    pages = [((56, NEWSLETTER_LEFT), (316, NEWSLETTER_RIGHT)), ((56, NEWSLETTER_SHORT),)]
    for number, columns in enumerate(pages, 1):
        c.setFont("Helvetica", 8)
        c.drawString(56, height - 34, "Harbour News - staff newsletter")
        c.drawRightString(width - 56, height - 34, ("Spring issue", "Ferries")[number - 1])
        c.line(56, height - 38, width - 56, height - 38)
        if number == 1:
            c.setFont("Times-Bold", 18)
            c.drawCentredString(width / 2, height - 80, "The harbour's new pilot boat")
        c.setFont("Times-Roman", 11)
        for x, lines in columns:
            for i, line in enumerate(lines):
                c.drawString(x, height - 120 - 14 * i, line)
        c.setFont("Helvetica", 8)
        c.drawCentredString(width / 2, 28, f"Printed on recycled paper - Page {number} of 2")
        c.showPage()
    c.save()


def ligatures_pdf(path: Path) -> None:
    """Text set with the ligature glyphs of DejaVu Serif ("ﬁ", "ﬂ", "ﬀ"), which the PDF maps to
    the ligature code points, as typesetting programs do."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSerif",
                                   "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Ferry office")
    c.setFont("DejaVuSerif", 11)
    _, height = A4
    for i, line in enumerate(["The \ufb01nal \ufb02ight of the season leaves the \ufb01eld at six.",
                              "The ferry o\ufb03ce sta\ufb00 will \ufb01ll the \ufb02asks."]):
        c.drawString(72, height - 100 - 16 * i, line)
    c.showPage()
    c.save()


def scanned_pdf(path: Path) -> None:
    """A page that is only a picture of text, as a scanner makes it."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(img).text((20, 80), "This page was scanned and has no text layer.", fill=0)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 72, 500, 450, 150)
    c.showPage()
    c.save()


def minutes_docx(path: Path) -> None:
    """Headings, paragraphs and a table, as python-docx writes them."""
    import docx

    d = docx.Document()
    d.core_properties.title = "Board minutes"
    d.add_heading("Board minutes", level=1)
    d.add_paragraph("The board met on 3 March in the pilot station.")
    d.add_heading("Decisions", level=2)
    d.add_paragraph("The board approved the purchase of a second tug for the harbour.")
    d.add_paragraph("Mooring fees will rise by four percent from July.")
    d.add_heading("Budget", level=2)
    d.add_paragraph("The budget table below was agreed without changes.")
    table = d.add_table(rows=3, cols=2)
    for row, (item, cost) in enumerate([("Item", "Cost"), ("Tug", "2.1 million euros"),
                                        ("Fenders", "80,000 euros")]):
        table.cell(row, 0).text = item
        table.cell(row, 1).text = cost
    d.add_heading("Any other business", level=2)
    d.add_paragraph("The harbour master retires in December after thirty years.")
    d.save(str(path))


def libreoffice_pdf(out: Path) -> None:
    """A Word document printed to PDF by LibreOffice: the second PDF producer."""
    import docx

    d = docx.Document()
    d.add_heading("Pilot station handbook", level=1)
    d.add_paragraph("The pilot station is staffed around the clock by two pilots.")
    d.add_heading("Boarding", level=2)
    d.add_paragraph("Pilots board inbound ships two miles south of the breakwater light.")
    d.add_paragraph("Ships longer than ninety metres must take a pilot.")
    _print_with_libreoffice(d, out)


def _print_with_libreoffice(d: Any, out: Path) -> None:
    """A python-docx document printed to PDF by LibreOffice, as Word users' PDFs are made."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{out.stem}.docx"
        d.save(str(source))
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp,
                        str(source)], check=True, capture_output=True, timeout=120)
        shutil.move(Path(tmp) / f"{out.stem}.pdf", out)


def rules_pdf(out: Path) -> None:
    """Word's bulleted and numbered lists printed to PDF by LibreOffice: the bullet is a
    Symbol-font glyph (a private-use character in the text), the numbers are text."""
    import docx

    d = docx.Document()
    d.add_heading("Ferry rules", level=1)
    d.add_paragraph("Passengers must follow these rules on board.")
    for item in ("Bicycles travel free of charge.", "Dogs must be kept on a lead.",
                 "Smoking is not allowed on the upper deck."):
        d.add_paragraph(item, style="List Bullet")
    for item in ("Buy a ticket at the kiosk.", "Show it to the crew when boarding."):
        d.add_paragraph(item, style="List Number")
    d.add_paragraph("The crew may refuse boarding to anyone who breaks them.")
    _print_with_libreoffice(d, out)


TIDES_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"
 office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>
<text:h text:outline-level="1">Tide tables</text:h>
<text:p>High water at the harbour mouth comes forty minutes before high water at the town
quay.<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>
<text:note-body><text:p>Measured by the harbour master over the winter of 2024.</text:p>
</text:note-body></text:note></text:p>
<text:h text:outline-level="2">Spring tides</text:h>
<text:p>Spring tides flood the lower car park twice a year.</text:p>
</office:text></office:body></office:document>
"""


# A paragraph with a text box (a pull quote) anchored in it: Word stores the box twice, as a
# shape and as its fallback picture for older readers.
PULL_QUOTE_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>
<text:h text:outline-level="1">Harbour news</text:h>
<text:p>The new pilot boat arrived on <draw:frame text:anchor-type="paragraph" svg:width="5cm"
svg:height="2cm"><draw:text-box><text:p>Pull quote: a boat for the next forty years.</text:p>
</draw:text-box></draw:frame>Monday from the yard in Hull.</text:p>
<text:p>It will enter service in June.</text:p>
</office:text></office:body></office:document>
"""


def libreoffice_docx(out: Path, fodt: str = TIDES_FODT) -> None:
    """A .docx written by LibreOffice (the second .docx producer) from a flat ODF text."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{out.stem}.fodt"
        source.write_text(fodt, encoding="utf-8")
        subprocess.run(["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML",
                        "--outdir", tmp, str(source)], check=True, capture_output=True,
                       timeout=120)
        shutil.move(Path(tmp) / f"{out.stem}.docx", out)


def encrypted_pdf(source: Path, out: Path) -> None:
    import pikepdf

    with pikepdf.open(source) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def zip_bomb(path: Path) -> None:
    """A .docx that inflates to 256 MB of zeros (over the 64 MB read of a Word file)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(256):
                f.write(block)


HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Ferry timetable &#163; fares &amp; times</title>
<style>body { font-family: sans-serif; } .nav { color: red; }</style>
<script>var tracking = "The ferry is free for everyone today.";</script>
</head><body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
Accept all cookies?</div>
<header><nav class="nav"><a href="/">Home</a> <a href="/news">News</a>
<a href="/contact">Contact us about the timetable</a></nav></header>
<main>
<h1>Island ferry timetable</h1>
<p>The first ferry leaves the harbour at 06:40 on weekdays.</p>
<p>A return ticket costs &#163;7.50 for adults and &pound;3 for children.</p>
<h2>Winter service</h2>
<p>From November to March the last ferry leaves the island at 18:15.</p>
<ul><li>Bicycles travel free of charge.</li><li>Dogs must be kept on a lead.</li></ul>
</main>
<aside class="sidebar">Related: the ferry company also runs coach tours.</aside>
<footer>Copyright 2025 Island Ferries Ltd. All rights reserved.</footer>
<script>document.write("injected text");</script>
</body></html>
"""

# A news site's page: the story in <article>, the site around it, and a <title> that adds the
# site's name to the headline.
NEWS_HTML = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<title>Harbour closed for dredging | Port Gazette</title>
<script>window.dataLayer = [{"page": "story"}];</script></head>
<body>
<a class="skip-link" href="#story">Skip to content</a>
<div class="cookie-consent" role="dialog"><p>We use cookies. Accept all cookies?</p></div>
<header class="site-header"><div class="logo">Port Gazette</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/login">Sign in</a></li></ul></nav></header>
<ol class="breadcrumbs"><li>Home</li><li>Harbour</li></ol>
<article id="story">
<h1>Harbour closed for dredging</h1>
<div class="share-tools">Share this story: Facebook Email</div>
<p>The inner basin will close to shipping for three weeks from 2 June while it is dredged.</p>
<p>Fishing boats will use the outer pontoons until the work is finished.</p>
</article>
<aside class="sidebar"><h2>Most read</h2><ol><li>Ferry fares to rise in spring</li></ol></aside>
<footer class="site-footer"><p>&copy; 2025 Port Gazette. All rights reserved.</p></footer>
</body></html>
"""

# The same kind of page as an older site writes it: no <main>, <article>, <header> or <aside>,
# only <div>s, the headline above the story's <div>, a "most popular" list of other headlines.
SOUP_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Lifeboat crew honoured - Port Gazette</title></head>
<body>
<div id="masthead"><div class="logo">Port Gazette</div><a href="/">Home</a></div>
<h1>Lifeboat crew honoured</h1>
<div class="story-body">
<p>The crew of the harbour lifeboat received a medal for a rescue in the January storms.</p>
<p>They brought eleven fishermen ashore from a trawler that had lost its engine off the
point.</p>
<p>The medal was presented at the town hall by the mayor.</p>
</div>
<div id="most-popular"><h3>Most popular</h3><p>Harbour closed for dredging</p>
<p>Ferry fares to rise in spring</p></div>
<div id="bottom"><p>Port Gazette, 4 Quay Street. All rights reserved.</p></div>
</body></html>
"""

MARKDOWN = """# Harbour handbook

Welcome to the **harbour handbook** for new staff.

## Safety

Life jackets must be worn on the pontoons at all times.

### Fire

The fire assembly point is the car park by the [old customs house](https://example.org/map).

### First aid

A defibrillator hangs beside the door of the `pilot station`.

## Radio

| Channel | Use |
|---------|-----|
| 16 | distress and calling |
| 12 | port operations |

Call the harbour office on channel 12 before entering the basin.
"""

CP1252 = ("The caf\u00e9 on the pier sells cr\u00e8me br\u00fbl\u00e9e for \u20ac4 \u2013 "
          "the \u201cbest in town\u201d, says the owner.\n\n"
          "It opens at nine o\u2019clock every morning.\n")
LATIN1 = ("Das Hafenb\u00fcro \u00f6ffnet um acht Uhr.\n\n"
          "The harbour office at the Stra\u00dfe am Kai opens at eight o'clock.\n")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    report_pdf(OUT / "report.pdf")
    columns_pdf(OUT / "quays.pdf")
    newsletter_pdf(OUT / "newsletter.pdf")
    ligatures_pdf(OUT / "ligatures.pdf")
    scanned_pdf(OUT / "scanned.pdf")
    minutes_docx(OUT / "minutes.docx")
    libreoffice_pdf(OUT / "pilots.pdf")
    rules_pdf(OUT / "rules.pdf")
    libreoffice_docx(OUT / "tides.docx")
    libreoffice_docx(OUT / "pullquote.docx", PULL_QUOTE_FODT)
    encrypted_pdf(OUT / "report.pdf", OUT / "locked.pdf")
    data = (OUT / "report.pdf").read_bytes()
    (OUT / "damaged.pdf").write_bytes(data[: len(data) // 3])
    (OUT / "notazip.docx").write_bytes(b"This is plain text saved with a .docx name.\n")
    zip_bomb(OUT / "bomb.docx")
    (OUT / "ferry.html").write_text(HTML, encoding="utf-8")
    (OUT / "dredging.html").write_text(NEWS_HTML, encoding="utf-8")
    (OUT / "lifeboat.html").write_text(SOUP_HTML, encoding="utf-8")
    (OUT / "handbook.md").write_text(MARKDOWN, encoding="utf-8")
    (OUT / "cafe-cp1252.txt").write_bytes(CP1252.encode("cp1252"))
    (OUT / "office-latin1.txt").write_bytes(LATIN1.encode("latin-1"))


if __name__ == "__main__":
    main()
