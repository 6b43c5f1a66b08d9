"""Printable referral cards: one page per prefecture, PDF or PNG, A6 (magnet-sheet size) or A4.

What a card says comes only from the knowledge files: the five "what to do now" lines and the labels
from knowledge/card.yaml (validated here, `check_card`), the centers with their *verified* numbers and
weekly hours from centers.yaml, #8891, 0120-8891-77, 110 and 189 from national.yaml, and the wording
of hours and caveats from guidance.{ja,en}.yaml. A number that is not verified is never on a card: the
center's block says to use #8891 instead, as the bot does. A card is timeless, so it shows the weekly
hours and whether a center is open 24 hours, never "open now".

`build_card` turns the facts into a `Card` (plain strings, nothing drawn); bot/card_render.py lays it
out and draws it. `write_cards` is what `referral-bot card` calls.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.card_texts import (  # noqa: F401  (check_card, load_card: part of the card's API)
    CARD_FILE,
    LANGS,
    CardError,
    CardTexts,
    check_card,
    load_card,
)
from bot.facts import Center, Contact
from bot.knowledge import Knowledge
from bot.prefecture import PrefectureError, resolve
from bot.schema import KnowledgeError

SIZES = ("a6", "a4")
FORMATS = ("pdf", "png")
# The national contacts a card shows (all verified by construction: national.yaml lists no other kind).
ONESTOP, NIGHT, POLICE, CHILD = "onestop_8891", "night_holiday_callcenter", "police_110", "child_189"
_URL_LIMIT = 46  # characters of a shortened source URL


# -- what one card says ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BigNumber:
    number: str
    caption: str


@dataclass(frozen=True)
class CenterBlock:
    name: str
    phones: tuple[BigNumber, ...]  # verified numbers only; caption = the area a branch serves, or ""
    no_phone: str  # why no number is printed ("use #8891"), or ""
    hours: str  # "受付：" and the weekly hours, "open 24 hours", or "hours not confirmed"
    out_of_hours: str  # what #8891 reaches out of hours, "" for a center open 24 hours
    notes: tuple[str, ...]


@dataclass(frozen=True)
class QR:
    url: str
    caption: str


@dataclass(frozen=True)
class Card:
    code: str
    lang: str
    kicker: str
    title: str
    onestop_label: str
    onestop: tuple[BigNumber, ...]  # #8891, then 0120-8891-77
    onestop_summary: str
    danger_label: str
    danger: BigNumber
    child_label: str
    child: BigNumber
    what_to_do_label: str
    what_to_do: tuple[str, ...]
    centers_label: str
    centers: tuple[CenterBlock, ...]
    checked: str  # "確認日 2026-11-27 ..."
    checked_on: dt.date
    sources_label: str
    sources: tuple[str, ...]  # shortened, most specific first
    more_label: str  # "ほか{n}件", filled by the renderer when sources do not all fit
    qr: tuple[QR, ...]


def resolve_prefecture(kb: Knowledge, value: str) -> str:
    """`--prefecture`: a code or any place name -> "14" (bot/prefecture.py); CardError otherwise."""
    try:
        return resolve(value, locator=kb.locator)
    except PrefectureError as e:
        raise CardError(str(e)) from None


def check_link(url: str | None) -> str | None:
    from bot.schema import URL_RE

    if url is not None and not URL_RE.fullmatch(url):
        raise CardError(
            f"--link: expected an http(s) URL (the bot's Telegram, LINE or Slack link), found {url!r}"
        )
    return url


def build_card(kb: Knowledge, texts: CardTexts, code: str, lang: str, link: str | None = None) -> Card:
    """Everything one card says, as strings, from the knowledge files only."""
    g = kb.guidance[lang]
    pref = kb.locator.prefecture_name(code, lang)
    centers = kb.centers_in(code)
    contacts = {cid: kb.contacts[cid] for cid in (ONESTOP, NIGHT, POLICE, CHILD)}
    onestop = contacts[ONESTOP]
    big = tuple(
        BigNumber(n.number, n.note.get(lang) if n.note and i else "") for i, n in enumerate(onestop.numbers)
    )

    blocks = tuple(_center_block(kb, c, lang) for c in centers)
    used = [c for c in contacts.values() if c.id != NIGHT or any(
        not c2.hours.always_open and c2.hours.out_of_hours == "callcenter" for c2 in centers)]  # fmt: skip
    dates = [c.checked_on for c in centers] + [c.checked_on for c in used]
    if texts.checked_on:
        dates.append(texts.checked_on)
    checked_on = min(dates)

    qr = [QR(link, texts.label("qr_link", lang))] if link else []
    for c in centers:
        if c.website and c.website not in {q.url for q in qr}:
            qr.append(QR(c.website, texts.label("qr_website", lang)))

    return Card(
        code=code,
        lang=lang,
        kicker=texts.label("kicker", lang),
        title=texts.label("title", lang, prefecture=pref),
        onestop_label=texts.label("onestop", lang),
        onestop=big,
        onestop_summary=onestop.summary.get(lang),
        danger_label=texts.label("danger", lang),
        danger=_contact_number(contacts[POLICE], lang),
        child_label=texts.label("child", lang),
        child=_contact_number(contacts[CHILD], lang),
        what_to_do_label=texts.label("what_to_do", lang),
        what_to_do=tuple(line.text.get(lang) for line in texts.what_to_do),
        centers_label=g.t("centers_title", prefecture=pref),
        centers=blocks,
        checked=texts.label("checked", lang, date=checked_on.isoformat()),
        checked_on=checked_on,
        sources_label=texts.label("sources", lang),
        sources=_sources(kb, code, centers, used),
        more_label=texts.labels["more"].get(lang),
        qr=tuple(qr),
    )


def _contact_number(c: Contact, lang: str) -> BigNumber:
    return BigNumber(c.numbers[0].number, c.summary.get(lang))


def _center_block(kb: Knowledge, c: Center, lang: str) -> CenterBlock:
    from bot.engine import weekly_hours

    g = kb.guidance[lang]
    pref = kb.locator.prefecture_name(c.prefecture, lang)
    name = c.display_name(lang, g.t("unnamed_center", prefecture=pref), introduce=False)
    shown = c.shown_phones  # verified numbers only
    no_phone = "" if shown else g.t("phone_unverified") if c.phones else g.t("phone_none")
    weekly = "" if c.hours.always_open else weekly_hours(g, c)
    if weekly:
        hours = f"{g.t('hours_label')}：{weekly}" if lang == "ja" else f"{g.t('hours_label')}: {weekly}"
    else:
        hours = g.t("status_always") if c.hours.always_open else g.t("status_unknown")
    notes = []
    if c.audience == "male":
        notes.append(g.t("male_only"))
    if c.hours.note:
        notes.append(c.hours.note.get(lang))
    return CenterBlock(
        name=name,
        phones=tuple(BigNumber(p.number, p.area or "") for p in shown),
        no_phone=no_phone,
        hours=hours,
        out_of_hours="" if c.hours.always_open else g.t(f"out_of_hours_{c.hours.out_of_hours}"),
        notes=tuple(notes),
    )


def short_url(url: str, limit: int = _URL_LIMIT) -> str:
    """https://www.pref.kanagawa.jp/docs/f5g/cnt/f520370/p1163001.html -> pref.kanagawa.jp/docs/…/p1163001.html"""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    segments = [s for s in unquote(parts.path).split("/") if s]
    text = "/".join([host, *segments])
    if len(text) <= limit:
        return text
    if segments:
        text = f"{host}/…/{segments[-1]}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


_MIRROR_SUFFIXES = (".cache.yimg.jp",)  # Yahoo! Japan's cached copies: www-pref-x-jp.cache.yimg.jp
_ARCHIVE = re.compile(r"^https?://web\.archive\.org/web/[0-9a-z_*]+/(?P<url>https?://.+)$")
_LOCAL_GOVERNMENT = re.compile(r"(^|\.)(pref|city|town|vill|metro|police)\.")


def original_url(url: str) -> str:
    """The official page a mirror or archive copies: web.archive.org/web/…/URL -> URL;
    www-pref-shizuoka-jp.cache.yimg.jp/… -> www.pref.shizuoka.jp/…; a CMS preview query dropped."""
    m = _ARCHIVE.match(url)
    if m:
        url = m["url"]
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for suffix in _MIRROR_SUFFIXES:
        if host.endswith(suffix):
            host = host.removesuffix(suffix)
            host = host if "." in host else host.replace("-", ".")
    query = "" if parts.query == "mode=preview" else parts.query
    return parts._replace(netloc=host, query=query).geturl()


def is_official(url: str, own_sites: frozenset[str] = frozenset()) -> bool:
    """A government page (national .go.jp, local .lg.jp, pref./city./metro. hosts) or the center's
    own website."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host.endswith((".go.jp", ".lg.jp")) or bool(_LOCAL_GOVERNMENT.search(host)) or host in own_sites


def _prefecture_of(url: str, romaji: dict[str, str]) -> str | None:
    """The prefecture whose local government publishes this page (pref.kanagawa.jp -> "14"), or None."""
    host = (urlsplit(url).hostname or "").lower()
    if not (host.endswith(".lg.jp") or _LOCAL_GOVERNMENT.search(host)):
        return None
    tokens = set(re.split(r"[.-]", host))
    return next((code for name, code in romaji.items() if name in tokens), None)


def card_sources(kb: Knowledge, code: str, centers: tuple[Center, ...], contacts: list[Contact]) -> list[str]:
    """The original official URLs behind this card's facts, and nothing else: the prefecture's centers'
    official pages (all their sources when none is official), then the national contacts' national
    (.go.jp) pages, or this prefecture's own page about them. Mirrors and archives give way to the
    page they copy; news, dictionaries and other prefectures' pages are left out."""
    romaji = {p.romaji.lower(): p.code for p in kb.locator.prefectures()}

    def ours(url: str) -> bool:
        return _prefecture_of(url, romaji) in (None, code)

    out: list[str] = []
    for c in centers:
        own = frozenset([(urlsplit(c.website).hostname or "").removeprefix("www.")] if c.website else [])
        urls = [original_url(u) for u in c.source_urls]
        official = [u for u in urls if is_official(u, own) and ours(u)]
        out += official or urls
    for c in contacts:
        urls = [original_url(u) for u in c.source_urls]
        out += [u for u in urls if (urlsplit(u).hostname or "").endswith(".go.jp")
                or (is_official(u) and _prefecture_of(u, romaji) == code)]  # fmt: skip
    return list(dict.fromkeys(out))


def _sources(kb: Knowledge, code: str, centers: tuple[Center, ...], contacts: list[Contact]) -> tuple[str, ...]:
    """The card's source footer: the center pages (shortened URLs) first, then the sites behind the
    national numbers (host names), in the space of a footer (see card_sources)."""
    centers_urls = set(u for c in centers for u in (original_url(x) for x in c.source_urls))
    out = [short_url(u) if u in centers_urls else _host(u) for u in card_sources(kb, code, centers, contacts)]
    return tuple(dict.fromkeys(s for s in out if s))


# -- files -------------------------------------------------------------------------------------------
def file_name(kb: Knowledge, code: str, lang: str, size: str, fmt: str) -> str:
    """referral-card-14-kanagawa-ja-a6.pdf"""
    romaji = unicodedata.normalize("NFKD", kb.locator.prefecture_name(code, "en")).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", romaji.decode().lower()).strip("-")
    return f"referral-card-{code}-{slug}-{lang}-{size}.{fmt}"


def render(card: Card, *, size: str = "a6", fmt: str = "pdf", dpi: int = 300) -> bytes:
    """The card as the bytes of a one-page PDF, or of a PNG of that same page."""
    from bot import card_render

    pdf = card_render.pdf_bytes(card_render.layout(card, size))
    return pdf if fmt == "pdf" else card_render.png_bytes(pdf, dpi)


def write_cards(kb: Knowledge, *, prefecture: str | None, all_prefectures: bool = False, lang: str = "ja",
                fmt: str | None = None, size: str = "a6", link: str | None = None,
                output: str | Path | None = None) -> list[Path]:  # fmt: skip
    """Write one card (`prefecture`) or 47 (`all_prefectures`, into the folder `output`). Returns the
    paths written. CardError for an unknown prefecture, a bad link or output path, a missing font."""
    link = check_link(link)
    try:
        texts = load_card(kb.directory)
    except KnowledgeError as e:
        raise CardError(f"{CARD_FILE} has {len(e.problems)} problem(s): {e.problems[0]}") from None
    if all_prefectures:
        folder = Path(output or "cards")
        if folder.exists() and not folder.is_dir():
            raise CardError(
                f"-o {folder}: --all writes one file per prefecture into a folder, and this is a file"
            )
        fmt = fmt or "pdf"
        folder.mkdir(parents=True, exist_ok=True)
        codes = [p.code for p in kb.locator.prefectures()]
        targets = [(code, folder / file_name(kb, code, lang, size, fmt)) for code in codes]
    else:
        if not prefecture:
            raise CardError("give --prefecture CODE|NAME, or --all")
        code = resolve_prefecture(kb, prefecture)
        path = Path(output) if output else None
        if path is not None and path.is_dir():
            path = path / file_name(kb, code, lang, size, fmt or "pdf")
        suffix = path.suffix.lower().lstrip(".") if path is not None else ""
        if fmt and suffix in FORMATS and suffix != fmt:
            raise CardError(f"-o {path} ends in .{suffix} but --format is {fmt}")
        fmt = fmt or ("png" if suffix == "png" else "pdf")
        targets = [(code, path or Path(file_name(kb, code, lang, size, fmt)))]
    written = []
    for code, path in targets:
        data = render(build_card(kb, texts, code, lang, link), size=size, fmt=fmt)
        try:
            path.write_bytes(data)
        except OSError as e:
            raise CardError(f"cannot write {path}: {e.strerror or e}") from None
        written.append(path)
    return written
