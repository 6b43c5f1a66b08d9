"""Lay out and draw a referral card (bot.card.Card): one page, A6 or A4, PDF with an embedded font,
and PNG rasterised from that same PDF so both show exactly the same card.

`layout` places everything in page points as a flat list of drawing operations (text runs, boxes, QR
codes), measuring text with the font that will be embedded; it shrinks the design a little when a
prefecture has much to say, and raises CardError rather than print text too small to read. `pdf_bytes`
draws the operations with reportlab, which embeds the subset of the font the card uses, so the PDF
prints anywhere; `png_bytes` renders that PDF with PDFium (pypdfium2).

The font is IPAexGothic, installed with the project: the japanize-matplotlib package ships the file
(only the file is used, that package is never imported). $REFERRAL_CARD_FONT names another TTF.
A6 is the design size; A4 is the same card at twice the size (A4 is A6 doubled in each direction).
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.card_texts import CardError
from bot.settings import CARD_FONT_ENV, paths

if TYPE_CHECKING:
    from bot.card import Card

MM = 72 / 25.4  # points per millimetre
PAGE = {"a6": (105 * MM, 148 * MM), "a4": (210 * MM, 297 * MM)}
BASE_SCALE = {"a6": 1.0, "a4": 2.0}
MIN_PT = 4.8  # no text on an A6 card is smaller (9.6 pt on A4): no card rather than an unreadable one
QR_MM, QR_MIN_MM = 17.0, 16.0  # QR code side at A6 (quiet zone included), as designed and at the least
QR_MIN_MODULE_MM = 0.3  # the smallest QR module a phone camera reads reliably from a printed card
FONT = "IPAexGothic"
FONT_ENV = CARD_FONT_ENV

NAVY, RED, BROWN, GREY, INK, WHITE = "#1d3557", "#b3261e", "#8a4100", "#4a4a4a", "#111111", "#ffffff"
TINT_NAVY, TINT_RED, TINT_BROWN, RULE = "#e9eff8", "#fbeceb", "#fcf1e4", "#c7d2e2"

# Line breaking: a run of Latin letters, digits and ASCII punctuation is one word (so 0120-8891-77 and
# URLs never break inside, unless a word is wider than the line); any other character may break.
_TOKEN_RE = re.compile(r"[\x21-\x7e\u00c0-\u024f\u2018-\u201d]+ *| +|.", re.S)
_NO_LINE_START = set("、。，．,.)）」』】〕〉》・：；:;？！?!ー〜…ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ")
_NO_LINE_END = set("(（「『【〔〈《")


# -- drawing operations (page points, y measured down from the top edge) -------------------------------
@dataclass(frozen=True)
class Txt:
    x: float
    y: float  # baseline
    text: str
    size: float
    color: str = INK
    bold: bool = False


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # top
    w: float
    h: float
    fill: str | None
    stroke: str | None = None
    radius: float = 0.0


@dataclass(frozen=True)
class Code:
    x: float
    y: float  # top
    side: float  # including the quiet zone
    url: str


@dataclass
class Page:
    size: str
    width: float
    height: float
    scale: float  # relative to the design size (A6 = 1.0)
    ops: list = field(default_factory=list)

    @property
    def texts(self) -> list[Txt]:
        return [o for o in self.ops if isinstance(o, Txt)]

    @property
    def codes(self) -> list[Code]:
        return [o for o in self.ops if isinstance(o, Code)]


# -- the font ----------------------------------------------------------------------------------------
def font_path() -> Path:
    """The TTF embedded in cards: $REFERRAL_CARD_FONT, else IPAexGothic from japanize-matplotlib."""
    import importlib.util

    env = paths().card_font
    if env:
        if not Path(env).is_file():
            raise CardError(f"${FONT_ENV}={env}: no such font file")
        return Path(env)
    spec = importlib.util.find_spec("japanize_matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        font = Path(folder) / "fonts" / "ipaexg.ttf"
        if font.is_file():
            return font
    raise CardError(f"no Japanese font: reinstall the project (japanize-matplotlib ships IPAexGothic) "
                    f"or set ${FONT_ENV} to a TrueType font with Japanese glyphs")  # fmt: skip


@functools.lru_cache(maxsize=4)
def _register(path: str):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    try:
        font = TTFont(FONT, path)
    except Exception as e:  # reportlab raises TTFError and plain errors for unreadable files
        raise CardError(f"cannot use the font {path}: {e}") from None
    pdfmetrics.registerFont(font)
    return font


def _font():
    return _register(str(font_path()))


def width(text: str, size: float) -> float:
    """The advance width of `text` in points (the sum of its glyphs' widths: no kerning)."""
    return _width_1pt(text) * size


@functools.lru_cache(maxsize=8192)
def _width_1pt(text: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _font()
    return stringWidth(text, FONT, 1.0)


def missing_glyphs(texts) -> set[str]:
    """Characters the font cannot draw (they would print as empty boxes)."""
    cmap = _font().face.charToGlyph
    return {ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in cmap}


def wrap(text: str, size: float, max_width: float) -> list[str]:
    """Break `text` into lines no wider than `max_width`: Japanese anywhere except before closing
    punctuation or after an opening bracket, Latin text at spaces."""
    tokens: list[str] = []
    for tok in _TOKEN_RE.findall(text):
        if tokens and (tok[0] in _NO_LINE_START or tokens[-1][-1] in _NO_LINE_END):
            tokens[-1] += tok
        else:
            tokens.append(tok)
    lines: list[str] = []
    line, line_w = "", 0.0  # line_w: the width of `line` without its trailing spaces
    for tok in tokens:
        word = tok.rstrip(" ")
        if line_w + width(line[len(line.rstrip(" ")) :] + word, size) <= max_width:
            line_w += width(line[len(line.rstrip(" ")) :] + word, size)
            line += tok
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = tok.lstrip()
        while width(line.rstrip(), size) > max_width and len(line) > 1:  # a word wider than the line
            cut = max(1, next((i for i in range(len(line), 0, -1) if width(line[:i], size) <= max_width), 1))
            lines.append(line[:cut])
            line = line[cut:]
        line_w = width(line.rstrip(" "), size)
    if line.strip():
        lines.append(line.rstrip())
    return lines


# -- layout ------------------------------------------------------------------------------------------
class _Block:
    """Operations in a block's own frame (x from the content's left edge, y from the block's top)."""

    def __init__(self, s: float, w: float, base: float = 1.0):
        self.s, self.w, self.base, self.ops, self.y = s, w, base, [], 0.0

    def sub(self, w: float) -> _Block:
        return _Block(self.s, w, self.base)

    def pt(self, size: float) -> float:
        """A design size (points on an A6 card) at this block's scale."""
        return size * self.s

    def text(self, text: str, size: float, *, x: float = 0, w: float | None = None, color: str = INK,
             bold: bool = False, leading: float = 1.32, fixed: bool = False) -> None:  # fmt: skip
        """Wrapped text of design `size`, scaled with the card unless `fixed` (then only by the page)."""
        size = size * self.base if fixed else self.pt(size)
        for line in wrap(text, size, (w if w is not None else self.w - x)):
            self.y += size * 0.88
            self.ops.append(Txt(x, self.y, line, size, color, bold))
            self.y += size * (leading - 0.88)

    def gap(self, mm: float) -> None:
        self.y += mm * MM * self.s

    def moved(self, dx: float, dy: float) -> list:
        return [replace(o, x=o.x + dx, y=o.y + dy) for o in self.ops]


def _boxed(inner: _Block, fill: str, stroke: str | None, pad_mm: float, w: float) -> _Block:
    """`inner` (laid out in w - 2 * pad) inside a rounded box of width `w`."""
    pad = pad_mm * MM * inner.s
    out = inner.sub(w)
    h = inner.y + 2 * pad
    out.ops = [Box(0, 0, w, h, fill, stroke, 1.6 * MM * inner.s), *inner.moved(pad, pad)]
    out.y = h
    return out


def _padded(ctx: _Block, pad_mm: float, w: float | None = None) -> _Block:
    return ctx.sub((ctx.w if w is None else w) - 2 * pad_mm * MM * ctx.s)


# Design sizes in points on an A6 card; A4 doubles them, and a card with much to say shrinks them
# (never below MIN_PT).
T = {
    "kicker": 5.8, "title": 10.5,
    "onestop_label": 6.5, "onestop": 28.0, "onestop_other": 14.0, "caption": 5.3, "summary": 5.8,
    "emergency_label": 6.2, "emergency": 17.0, "emergency_caption": 5.3,
    "heading": 7.4, "line": 6.4, "line_number": 6.8,
    "center": 6.6, "phone": 13.5, "area": 5.2, "no_phone": 6.2, "hours": 6.1, "out_of_hours": 5.7,
    "note": 5.2, "checked": 5.6, "sources": 5.0, "qr_caption": 5.2,
}  # fmt: skip


def _header(card: Card, ctx: _Block) -> _Block:
    b = _padded(ctx, 2.0)
    b.text(card.kicker, T["kicker"], color=WHITE)
    b.gap(0.2)
    b.text(card.title, T["title"], color=WHITE, bold=True, leading=1.2)
    return _boxed(b, NAVY, None, 2.0, ctx.w)


def _national(card: Card, ctx: _Block) -> _Block:
    b = _padded(ctx, 2.0)
    b.text(card.onestop_label, T["onestop_label"], color=NAVY, bold=True)
    main, *others = card.onestop
    big = b.pt(T["onestop"])
    b.ops.append(Txt(0, b.y + big * 0.86, main.number, big, NAVY, True))
    right_x = width(main.number, big) + 4 * MM * b.s
    top = b.y
    side = b.sub(b.w - right_x)
    side.gap(1.2)
    for n in others:
        side.text(n.number, T["onestop_other"], color=NAVY, bold=True, leading=1.2)
        if n.caption:
            side.text(n.caption, T["caption"], color=GREY)
    if side.w < 30 * MM * b.s:  # no room beside the big number: stack below it
        b.y = top + big * 1.02
        b.ops += side.moved(0, b.y)
        b.y += side.y
    else:
        b.ops += side.moved(right_x, top)
        b.y = top + max(big * 1.02, side.y)
    b.gap(0.3)
    b.text(card.onestop_summary, T["summary"], leading=1.28)
    return _boxed(b, TINT_NAVY, NAVY, 2.0, ctx.w)


def _emergency(card: Card, ctx: _Block) -> _Block:
    gap = 2 * MM * ctx.s
    col = (ctx.w - gap) / 2
    boxes = []
    for label, number, color, tint in ((card.danger_label, card.danger, RED, TINT_RED),
                                       (card.child_label, card.child, BROWN, TINT_BROWN)):  # fmt: skip
        b = _padded(ctx, 1.8, col)
        b.text(label, T["emergency_label"], color=color, bold=True, leading=1.25)
        b.text(number.number, T["emergency"], color=color, bold=True, leading=1.08)
        b.text(number.caption, T["emergency_caption"], leading=1.25)
        boxes.append((b, color, tint))
    h = max(b.y for b, _, _ in boxes)
    out = ctx.sub(ctx.w)
    for i, (b, color, tint) in enumerate(boxes):
        b.y = h
        boxed = _boxed(b, tint, color, 1.8, col)
        out.ops += boxed.moved(i * (col + gap), 0)
        out.y = boxed.y
    return out


def _heading(b: _Block, text: str) -> None:
    b.text(text, T["heading"], color=NAVY, bold=True, leading=1.2)
    b.gap(0.3)
    b.ops.append(Box(0, b.y, b.w, 0.5 * b.s, RULE))
    b.gap(0.9)


def _what_to_do(card: Card, ctx: _Block) -> _Block:
    b = ctx.sub(ctx.w)
    _heading(b, card.what_to_do_label)
    indent = 3.6 * MM * b.s
    for i, line in enumerate(card.what_to_do, 1):
        top = b.y
        b.text(line, T["line"], x=indent, leading=1.3)
        b.ops.append(Txt(0, top + b.pt(T["line"]) * 0.88, f"{i}", b.pt(T["line_number"]), NAVY, True))
        b.gap(0.6)
    return b


def _center(c, ctx: _Block, w: float, *, out_of_hours: bool = True) -> _Block:
    b = ctx.sub(w)
    b.text(c.name, T["center"], bold=True, leading=1.25)
    for p in c.phones:
        b.gap(0.2)
        top = b.y
        b.text(p.number, T["phone"], bold=True, leading=1.12)
        if p.caption:  # the area a branch serves: beside its number when there is room
            right = width(p.number, b.pt(T["phone"])) + 2.5 * MM * b.s
            if w - right >= 25 * MM * b.s:
                cap = b.sub(w - right)
                cap.text(p.caption, T["area"], color=GREY, leading=1.2)
                b.ops += cap.moved(right, top + max(0.0, (b.y - top - cap.y) / 2))
                b.y = max(b.y, top + cap.y)
            else:
                b.text(p.caption, T["area"], color=GREY)
    if c.no_phone:
        b.text(c.no_phone, T["no_phone"], color=RED, bold=True, leading=1.25)
    b.gap(0.3)
    b.text(c.hours, T["hours"], leading=1.28)
    if c.out_of_hours and out_of_hours:
        b.text(c.out_of_hours, T["out_of_hours"], leading=1.28)
    for note in c.notes:
        b.text(note, T["note"], color=GREY, leading=1.25)
    return b


def _centers(card: Card, ctx: _Block) -> _Block:
    """One center across the page; two or more side by side, two to a row. When every center has the
    same out-of-hours arrangement, it is said once, across the page."""
    b = ctx.sub(ctx.w)
    _heading(b, card.centers_label)
    cols = min(2, len(card.centers))
    gap = 3 * MM * b.s
    col_w = (b.w - gap * (cols - 1)) / cols
    shared = {c.out_of_hours for c in card.centers}
    once = len(card.centers) > 1 and len(shared) == 1
    for i in range(0, len(card.centers), cols):
        if i:
            b.gap(0.8)
            b.ops.append(Box(0, b.y, b.w, 0.35 * b.s, RULE))
            b.gap(1.0)
        row = [_center(c, b, col_w, out_of_hours=not once) for c in card.centers[i : i + cols]]
        h = max(x.y for x in row)
        for j, block in enumerate(row):
            b.ops += block.moved(j * (col_w + gap), b.y)
            if j:
                b.ops.append(Box(j * (col_w + gap) - gap / 2, b.y, 0.35 * b.s, h, RULE))
        b.y += h
    if once and card.centers[0].out_of_hours:
        b.gap(0.6)
        b.text(card.centers[0].out_of_hours, T["out_of_hours"], leading=1.28)
    return b


def _footer(card: Card, ctx: _Block, w: float, max_lines: int) -> _Block:
    b = ctx.sub(w)
    b.text(card.checked, T["checked"], bold=True, leading=1.3)
    size = T["sources"] * b.base  # fixed: fewer sources fit ("+3 more") rather than smaller type
    items = list(card.sources)
    for keep in range(len(items), -1, -1):  # as many sources as fit in `max_lines`
        more = [card.more_label.format(n=len(items) - keep)] if keep < len(items) else []
        text = f"{card.sources_label}: " + " · ".join(items[:keep] + more)
        if len(wrap(text, size, w)) <= max_lines or keep == 0:
            break
    b.text(text, T["sources"], color=GREY, leading=1.25, fixed=True)
    return b


def _bottom(card: Card, ctx: _Block) -> _Block:
    """QR codes at the right with their captions; the date and sources beside them (or below)."""
    s, w = ctx.s, ctx.w
    side = max(QR_MM * MM * s, QR_MIN_MM * MM * ctx.base)
    gap = 1.5 * MM * s
    row_w = len(card.qr) * side + max(0, len(card.qr) - 1) * gap
    out = ctx.sub(w)
    codes = ctx.sub(row_w)
    cap_size = ctx.pt(T["qr_caption"])
    for i, q in enumerate(card.qr):
        x = i * (side + gap)
        codes.ops.append(Code(x, 0, side, q.url))
        for j, line in enumerate(wrap(q.caption, cap_size, side)):
            tx = x + (side - width(line, cap_size)) / 2
            codes.ops.append(Txt(tx, side + cap_size * (0.9 + 1.2 * j), line, cap_size, NAVY, True))
            codes.y = max(codes.y, side + cap_size * (1.2 * (j + 1)))
    beside = w - row_w - 2.5 * MM * s
    if card.qr and beside < 32 * MM * s:  # too little room: codes on their own row, text below
        out.ops += codes.moved(w - row_w, 0)
        foot = _footer(card, ctx, w, max_lines=3)
        out.ops += foot.moved(0, codes.y + 1.5 * MM * s)
        out.y = codes.y + 1.5 * MM * s + foot.y
        return out
    text_w = beside if card.qr else w
    lines = int((codes.y - ctx.pt(T["checked"]) * 1.3) / (T["sources"] * ctx.base * 1.25))
    foot = _footer(card, ctx, text_w, max_lines=max(3, min(7, lines)))
    out.ops += foot.moved(0, max(0.0, codes.y - foot.y))  # text aligned with the bottom of the codes
    out.ops += codes.moved(w - row_w, 0)
    out.y = max(codes.y, foot.y)
    return out


SECTIONS = (_header, _national, _emergency, _what_to_do, _centers, _bottom)


def layout(card: Card, size: str = "a6") -> Page:
    """Place the card on one page of `size`; CardError if it cannot be drawn legibly."""
    if size not in PAGE:
        raise CardError(f"unknown size {size!r} (a6 or a4)")
    every_text = [card.kicker, card.title, card.onestop_label, card.onestop_summary, card.danger_label,
                  card.child_label, card.what_to_do_label, card.centers_label, card.checked,
                  card.sources_label, card.more_label, *card.what_to_do, *card.sources,
                  *(n.number + n.caption for n in (*card.onestop, card.danger, card.child)),
                  *(q.caption for q in card.qr),
                  *(t for c in card.centers for t in (c.name, c.no_phone, c.hours, c.out_of_hours, *c.notes,
                                                      *(p.number + p.caption for p in c.phones)))]  # fmt: skip
    missing = missing_glyphs(every_text)
    if missing:
        raise CardError(f"the font {font_path().name} has no glyph for {' '.join(sorted(missing))!r}")
    page_w, page_h = PAGE[size]
    base = BASE_SCALE[size]
    margin = 5 * MM * base
    w, avail = page_w - 2 * margin, page_h - 2 * margin
    s = base
    while True:
        ctx = _Block(s, w, base)
        blocks = [section(card, ctx) for section in SECTIONS]
        min_gap = 1.4 * MM * s
        used = sum(b.y for b in blocks) + min_gap * (len(blocks) - 1)
        if used <= avail:
            break
        if min(v for k, v in T.items() if k != "sources") * s * 0.98 < MIN_PT * base:
            raise CardError(f"the card for prefecture {card.code} ({card.lang}) does not fit on {size.upper()} "
                            "legibly: shorten its texts")  # fmt: skip
        s *= 0.98
    gap = min_gap + min((avail - used) / (len(blocks) - 1), 2.5 * MM * s)
    page = Page(size, page_w, page_h, s / base)
    y = margin
    for b in blocks[:-1]:
        page.ops += b.moved(margin, y)
        y += b.y + gap
    page.ops += blocks[-1].moved(margin, page_h - margin - blocks[-1].y)  # the footer sits at the bottom
    for q in page.codes:
        if q.side / (len(qr_matrix(q.url)) + 8) < QR_MIN_MODULE_MM * MM * base:
            raise CardError(
                f"{q.url[:60]!r} is too long for a QR code that scans on {size.upper()}: use a shorter link"
            )
    return page


# -- output ------------------------------------------------------------------------------------------
def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code for `url` (error correction M, version as small as fits), dark modules True."""
    import segno

    code = segno.make(url, error="m", micro=False, boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix]


def pdf_bytes(page: Page) -> bytes:
    from reportlab.lib.colors import HexColor
    from reportlab.pdfgen import canvas

    _font()
    buf = io.BytesIO()
    # invariant: no timestamps, so the same card gives the same bytes; initialFontName: no reference to
    # Helvetica, a font the PDF would not embed.
    c = canvas.Canvas(
        buf, pagesize=(page.width, page.height), pageCompression=1, invariant=1, initialFontName=FONT
    )
    c.setTitle(next((t.text for t in page.texts if t.bold), "referral card"))
    c.setCreator("referral-bot card")
    h = page.height
    for op in page.ops:
        if isinstance(op, Box):
            if op.fill:
                c.setFillColor(HexColor(op.fill))
            if op.stroke:
                c.setStrokeColor(HexColor(op.stroke))
                c.setLineWidth(0.6 * page.scale * BASE_SCALE[page.size])
            c.roundRect(op.x, h - op.y - op.h, op.w, op.h, op.radius, stroke=int(bool(op.stroke)),
                        fill=int(bool(op.fill)))  # fmt: skip
        elif isinstance(op, Txt):
            c.saveState()  # the text render mode is graphics state: restored after each run
            t = c.beginText(op.x, h - op.y)
            t.setFont(FONT, op.size)
            t.setFillColor(HexColor(op.color))
            if op.bold:  # IPAexGothic has no bold face: fill the glyphs and stroke their outline a little
                t.setTextRenderMode(2)
                t.setStrokeColor(HexColor(op.color))
                c.setLineWidth(op.size * 0.045)
            t.textOut(op.text)
            c.drawText(t)
            c.restoreState()
        elif isinstance(op, Code):
            matrix = qr_matrix(op.url)
            n = len(matrix)
            module = op.side / (n + 8)  # four modules of quiet zone on each side
            c.setFillColor(HexColor(WHITE))
            c.rect(op.x, h - op.y - op.side, op.side, op.side, stroke=0, fill=1)
            c.setFillColor(HexColor("#000000"))
            path = c.beginPath()
            for r, row in enumerate(matrix):
                col = 0
                while col < n:  # one rectangle per run of dark modules
                    if not row[col]:
                        col += 1
                        continue
                    end = col
                    while end < n and row[end]:
                        end += 1
                    x = op.x + (col + 4) * module
                    y = h - op.y - (r + 5) * module
                    path.rect(x, y, (end - col) * module, module * 1.001)
                    col = end
            c.drawPath(path, stroke=0, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def png_bytes(pdf: bytes, dpi: int = 300) -> bytes:
    """The first page of `pdf` as a PNG at `dpi` (PDFium renders it, so the PNG is the PDF)."""
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()
    # The card has a handful of colours: 64 keep the anti-aliased edges and make the file a third of the size.
    image = image.convert("RGB").quantize(
        colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()
