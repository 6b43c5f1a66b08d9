"""Referral cards (bot/card.py, bot/card_render.py, `referral-bot card`).

Every prefecture's card, in both languages, is written through the CLI and checked from the files
themselves: the text of the PDF (pypdf), the PNG's size and pixels, and the QR codes decoded from the
picture (zxing-cpp). The numbers are judged against the knowledge files: each verified number of the
prefecture is printed, no unverified number anywhere in centers.yaml is, and no other phone number is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from bot import card, card_render
from bot.cli import main
from bot.schema import KnowledgeError, Problems
from tests.conftest import KNOWLEDGE, ROOT

CODES = [f"{i:02d}" for i in range(1, 48)]
LANGS = ("ja", "en")
LINK = "https://t.me/referral_card_test_bot?start=card"
MM = 72 / 25.4
PHONE_RE = re.compile(r"#\d{4}|(?<![\d-])0\d{1,4}-\d{1,4}-\d{2,4}")  # as numbers are printed on a card


def _squash(text: str) -> str:
    return "".join(text.split())


def _digits(text: str) -> str:
    """Digits joined across hyphens and line breaks: 045-322-\\n7379 -> 0453227379."""
    return re.sub(r"(?<=\d)[\s\-‐–]+(?=\d)", "", text)


def _pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1, f"{path.name}: a card is one page"
    return reader.pages[0].extract_text()


def _decode(image: Image.Image) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(image)}


def _raster(pdf: bytes, dpi: int = 300) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[0].render(scale=dpi / 72).to_pil()
    finally:
        doc.close()


@pytest.fixture(scope="module")
def texts(kb):
    return card.load_card(kb.directory)


@pytest.fixture(scope="module")
def all_cards(tmp_path_factory, kb):
    """`referral-bot card --all` in both languages: {(code, lang): path}."""
    out = {}
    for lang in LANGS:
        folder = tmp_path_factory.mktemp(f"cards-{lang}")
        assert main(["card", "--all", "--lang", lang, "--link", LINK, "-o", str(folder)]) == 0
        files = sorted(folder.iterdir())
        assert len(files) == 47, f"--all wrote {len(files)} files, expected 47"
        for path in files:
            code = re.match(r"referral-card-(\d\d)-", path.name).group(1)
            out[code, lang] = path
    return out


def _checked_on(kb, texts, code: str) -> dt.date:
    """The oldest check among the facts a card prints."""
    centers = kb.centers_in(code)
    ids = ["onestop_8891", "police_110", "child_189"]
    if any(not c.hours.always_open and c.hours.out_of_hours == "callcenter" for c in centers):
        ids.append("night_holiday_callcenter")
    return min(
        [c.checked_on for c in centers] + [kb.contacts[i].checked_on for i in ids] + [texts.checked_on]
    )


# -- every prefecture, both languages -------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("code", CODES)
def test_card_prints_the_verified_numbers_and_no_other(all_cards, kb, texts, code, lang):
    path = all_cards[code, lang]
    assert path.name == card.file_name(kb, code, lang, "a6", "pdf")
    text = _pdf_text(path)
    g = kb.guidance[lang]
    centers = kb.centers_in(code)
    verified = {p.number for c in centers for p in c.phones if p.verified}
    national = {"#8891", "0120-8891-77"}

    for number in verified | national | {"110", "189"}:
        assert number in text, f"{code}/{lang}: {number} missing"
    assert _checked_on(kb, texts, code).isoformat() in text

    # No unverified number, from any prefecture, in any spelling (hyphens, line breaks).
    unverified = {p.number for c in kb.centers for p in c.phones if not p.verified}
    assert unverified, "centers.yaml lists unverified numbers: this check must see some"
    flat = _digits(text)
    for number in unverified:
        assert re.sub(r"\D", "", number) not in flat, f"{code}/{lang}: unverified {number} printed"
    # And no phone number but the prefecture's verified ones and the national ones.
    assert set(PHONE_RE.findall(text)) <= verified | national, f"{code}/{lang}: {PHONE_RE.findall(text)}"

    # Where a center's number cannot be printed, the card says to use #8891 instead.
    for c in centers:
        if not c.shown_phones:
            key = "phone_unverified" if c.phones else "phone_none"
            assert _squash(g.t(key)) in _squash(text), f"{code}/{lang}: {c.id} lacks the #8891 instruction"
    # The five lines of what to do, whole (wrapping only adds line breaks).
    for line in texts.what_to_do:
        assert _squash(line.text.get(lang)) in _squash(text)


def test_all_writes_one_file_per_prefecture(all_cards, kb):
    for lang in LANGS:
        names = {all_cards[code, lang].name for code in CODES}
        assert len(names) == 47
        for code in CODES:
            assert all_cards[code, lang].read_bytes()[:5] == b"%PDF-"
    assert all_cards["14", "ja"].name == "referral-card-14-kanagawa-ja-a6.pdf"
    assert all_cards["28", "en"].name == "referral-card-28-hyogo-en-a6.pdf"


def test_cards_embed_their_japanese_font(all_cards):
    page = pypdf.PdfReader(all_cards["13", "ja"]).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:  # only the embedded subset of IPAexGothic: nothing the printer must supply
        assert str(font["/BaseFont"]).endswith("+IPAexGothic"), font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert "東京都" in page.extract_text()


# -- layout: readable, on the page -------------------------------------------------------------------
@pytest.mark.parametrize("size", ["a6", "a4"])
def test_every_card_fits_its_page_legibly(kb, texts, size):
    base = card_render.BASE_SCALE[size]
    width, height = card_render.PAGE[size]
    margin = 4.9 * MM * base
    for code in CODES:
        for lang in LANGS:
            page = card_render.layout(card.build_card(kb, texts, code, lang, LINK), size)
            smallest = min(t.size for t in page.texts)
            assert smallest >= card_render.MIN_PT * base, f"{code}/{lang}: {smallest:.2f} pt"
            for t in page.texts:
                right = t.x + card_render.width(t.text, t.size)
                assert margin <= t.x and right <= width - margin, f"{code}/{lang}: {t.text!r} off the page"
                assert margin <= t.y - t.size * 0.9 and t.y <= height - margin, f"{code}/{lang}: {t.text!r}"
            for q in page.codes:
                modules = len(card_render.qr_matrix(q.url)) + 8
                assert q.side / modules >= card_render.QR_MIN_MODULE_MM * MM * base, (
                    f"{code}/{lang}: QR modules"
                )
                assert q.y + q.side <= height - margin
            phones = [
                t
                for t in page.texts
                if t.text in {p.number for c in kb.centers_in(code) for p in c.shown_phones}
            ]
            assert all(t.size >= 11 * base for t in phones), (
                f"{code}/{lang}: center numbers not in large type"
            )
            big = {t.text: t.size for t in page.texts if t.text in ("#8891", "0120-8891-77")}
            assert big["#8891"] >= 24 * base and big["0120-8891-77"] >= 12 * base


def test_page_sizes_a6_and_a4(tmp_path, kb):
    for size, (w_mm, h_mm) in {"a6": (105, 148), "a4": (210, 297)}.items():
        pdf = tmp_path / f"{size}.pdf"
        assert main(["card", "--prefecture", "14", "--size", size, "-o", str(pdf)]) == 0
        box = pypdf.PdfReader(pdf).pages[0].mediabox
        assert abs(float(box.width) - w_mm * MM) < 0.5 and abs(float(box.height) - h_mm * MM) < 0.5
        png = tmp_path / f"{size}.png"
        assert main(["card", "--prefecture", "14", "--size", size, "-o", str(png)]) == 0
        with Image.open(png) as image:
            want = (w_mm / 25.4 * 300, h_mm / 25.4 * 300)  # 300 dpi
            assert abs(image.size[0] - want[0]) <= 1.5 and abs(image.size[1] - want[1]) <= 1.5, image.size
            assert round(image.info["dpi"][0]) == 300


def test_png_shows_the_card(tmp_path, kb):
    png = tmp_path / "card.png"
    assert main(["card", "--prefecture", "神奈川", "--link", LINK, "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(png) as image:
        rgb = image.convert("RGB")
    navy = card_render.NAVY.lstrip("#")
    band = rgb.getpixel((int(rgb.width * 0.93), int(rgb.height * 0.06)))  # the title band, right of its text
    assert all(abs(a - int(navy[i : i + 2], 16)) <= 6 for a, i in zip(band, (0, 2, 4), strict=True)), band
    dark = sum(rgb.convert("L").histogram()[:70])
    assert dark > 0.03 * rgb.width * rgb.height, "the picture is (nearly) blank"
    website = kb.centers_in("14")[0].website
    assert _decode(rgb) == {LINK, website}


# -- QR codes ----------------------------------------------------------------------------------------
def test_qr_codes_decode_to_the_link_and_the_websites(kb, texts):
    """From the PDF itself, rasterised: Tokyo has two centers with websites, Iwate none."""
    tokyo = card.render(card.build_card(kb, texts, "13", "ja", LINK), fmt="pdf")
    assert _decode(_raster(tokyo)) == {LINK} | {c.website for c in kb.centers_in("13")}
    iwate = card.render(card.build_card(kb, texts, "03", "en", LINK), fmt="pdf")
    assert not any(c.website for c in kb.centers_in("03"))
    assert _decode(_raster(iwate)) == {LINK}
    no_link = card.render(card.build_card(kb, texts, "03", "en"), fmt="pdf")
    assert _decode(_raster(no_link)) == set()


def test_a_different_link_gives_a_different_code(kb, texts):
    other = "https://line.me/R/ti/p/@referral-test"
    pdf = card.render(card.build_card(kb, texts, "47", "ja", other), fmt="pdf")
    found = _decode(_raster(pdf))
    assert other in found and LINK not in found


# -- the rule that must never break: an unverified number is not printed --------------------------------
def test_a_number_unverified_in_the_knowledge_leaves_the_card(tmp_path, kb):
    """Unverify Kanagawa's number in a copy of the knowledge: the card must drop it and say #8891."""
    from bot import knowledge

    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    centers = copy / "centers.yaml"
    line = '- {number: "045-322-7379", verified: true, area: null}'
    raw = centers.read_text(encoding="utf-8")
    assert raw.count(line) == 1
    centers.write_text(raw.replace(line, line.replace("true", "false")), encoding="utf-8")
    changed = knowledge.load(copy)
    pdf = card.render(card.build_card(changed, card.load_card(copy), "14", "ja"), fmt="pdf")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "0453227379" not in _digits(text)
    assert _squash(changed.guidance["ja"].t("phone_unverified")) in _squash(text)
    assert "#8891" in text
    original = card.render(card.build_card(kb, card.load_card(KNOWLEDGE), "14", "ja"), fmt="pdf")
    assert "045-322-7379" in pypdf.PdfReader(io.BytesIO(original)).pages[0].extract_text()


# -- what cannot be drawn is refused, not printed badly -----------------------------------------------------
def test_a_character_the_font_lacks_is_an_error(kb, texts):
    c = dataclasses.replace(card.build_card(kb, texts, "14", "ja"), title="神奈川県 \U0001f600")
    with pytest.raises(card.CardError, match="no glyph"):
        card_render.layout(c)


def test_text_too_long_for_a6_is_an_error(kb, texts):
    c = card.build_card(kb, texts, "14", "en")
    c = dataclasses.replace(c, what_to_do=tuple(line * 4 for line in c.what_to_do))
    with pytest.raises(card.CardError, match="does not fit"):
        card_render.layout(c, "a6")


def test_wrap_keeps_numbers_whole_and_punctuation_off_line_starts():
    size, width = 10.0, 80.0  # 0120-8891-77 is 70 pt wide at 10 pt
    lines = card_render.wrap("電話は 0120-8891-77 です。あいうえおかきくけこ。", size, width)
    assert any("0120-8891-77" in line for line in lines)
    assert all(not line.startswith(("。", "、", "）")) for line in lines)
    assert all(card_render.width(line, size) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == "電話は0120-8891-77です。あいうえおかきくけこ。"


# -- prefectures, sources -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value, code", [("14", "14"), ("1", "01"), ("神奈川", "14"), ("神奈川県", "14"),
                                         ("Kanagawa", "14"), ("横浜", "14"), ("おおさか", "27")])  # fmt: skip
def test_prefecture_by_code_or_name(kb, value, code):
    assert card.resolve_prefecture(kb, value) == code


def test_unknown_or_ambiguous_prefecture(kb):
    with pytest.raises(card.CardError, match=r"unknown prefecture 'Kanagawq'; did you mean Kanagawa"):
        card.resolve_prefecture(kb, "Kanagawq")
    with pytest.raises(card.CardError, match="東京都"):
        card.resolve_prefecture(kb, "東凶都")
    with pytest.raises(card.CardError, match=r"more than one prefecture: 東京都 \(13\), 広島県 \(34\)"):
        card.resolve_prefecture(kb, "府中")
    for value in ("48", "0", ""):
        with pytest.raises(card.CardError):
            card.resolve_prefecture(kb, value)


def test_sources_are_shortened_sensibly(kb, texts):
    assert card.short_url("https://www.pref.kanagawa.jp/docs/f5g/cnt/f520370/p1163001.html") == \
        "pref.kanagawa.jp/…/p1163001.html"  # fmt: skip
    assert card.short_url("https://sarc-tokyo.org/") == "sarc-tokyo.org"
    assert len(card.short_url("https://example.org/" + "x" * 200)) <= 46
    c = card.build_card(kb, texts, "14", "ja")
    assert c.sources[0] == "pref.kanagawa.jp/…/p1163001.html"  # the center's own page first
    assert "gender.go.jp" in c.sources and len(c.sources) == len(set(c.sources))


def test_a_card_cites_its_own_facts_sources_by_their_original_official_urls(kb, texts):
    romaji = {p.romaji.lower(): p.code for p in kb.locator.prefectures()}
    assert card.original_url("https://www-pref-shizuoka-jp.cache.yimg.jp/kurashikankyo/x/1013663.html") == \
        "https://www.pref.shizuoka.jp/kurashikankyo/x/1013663.html"  # fmt: skip
    assert card.original_url("http://www.pref.miyagi.jp.cache.yimg.jp/soshiki/a.html") == \
        "http://www.pref.miyagi.jp/soshiki/a.html"  # fmt: skip
    assert card.original_url("https://web.archive.org/web/2024id_/https://www.pref.nara.jp/1.html") == \
        "https://www.pref.nara.jp/1.html"  # fmt: skip
    assert card.original_url("https://www.pref.okinawa.jp/site/7001.html?mode=preview") == \
        "https://www.pref.okinawa.jp/site/7001.html"  # fmt: skip
    for p in kb.locator.prefectures():
        centers = kb.centers_in(p.code)
        contacts = [kb.contacts[i] for i in (card.ONESTOP, card.NIGHT, card.POLICE, card.CHILD)]
        urls = card.card_sources(kb, p.code, centers, contacts)
        hosts = [(urlsplit(u).hostname or "") for u in urls]
        assert not any(h.endswith(("cache.yimg.jp", "archive.org")) for h in hosts), p.code
        assert not any("mode=preview" in u for u in urls), p.code
        for other in ("kotobank.jp", "iuris.jp", "medical.jiji.com", "jp.usembassy.gov", "med.or.jp."):
            assert other not in hosts, (p.code, other)
        for u in urls:  # no other prefecture's government page
            assert card._prefecture_of(u, romaji) in (None, p.code), (p.code, u)
        center_urls = {card.original_url(u) for c in centers for u in c.source_urls}
        for u in urls:  # each is a source of one of its centers, or a national (.go.jp) page
            assert u in center_urls or urlsplit(u).hostname.endswith(".go.jp") or \
                card._prefecture_of(u, romaji) == p.code, (p.code, u)  # fmt: skip
        assert any(urlsplit(u).hostname.endswith("gender.go.jp") for u in urls), p.code  # #8891's own source
        for c in centers:  # every center is cited
            assert center_urls & set(urls) or not c.source_urls, c.id
    shizuoka = card.build_card(kb, texts, "22", "ja").sources
    assert shizuoka[0].startswith("pref.shizuoka.jp/") and "soumu.metro.tokyo.lg.jp" not in " ".join(shizuoka)
    hokkaido = card.build_card(kb, texts, "01", "ja").sources
    assert not any(s.startswith(("pref.kanagawa", "city.kashima", "pref.okinawa", "iwate-np")) for s in hokkaido)


# -- card.yaml -------------------------------------------------------------------------------------------
def test_shipped_card_texts_are_valid():
    problems = Problems()
    card.check_card(KNOWLEDGE, problems)
    assert list(problems) == []
    texts = card.load_card(KNOWLEDGE)
    assert len(texts.what_to_do) == 5
    assert all(line.sources for line in texts.what_to_do)


@pytest.mark.parametrize("edit, key, message", [
    (lambda s: s.replace("  - ja: 安全を確認する。", "  - jp: 安全を確認する。", 1), "what_to_do[0].jp", "unknown key"),
    (lambda s: s.replace("      - https://sarc-tokyo.org/english/\n", "", 1).replace(
        "      - https://city.kashima.ibaraki.jp/soshiki/28/57217.html\n", "", 1), "what_to_do[0].sources",
     "at least one source"),
    (lambda s: s.replace("      - https://sarc-tokyo.org/english/", "      - sarc-tokyo.org/english/", 1),
     "what_to_do[0].sources[1]", "http(s) URL"),
    (lambda s: s.replace("すぐ110番。", "045-000-0000 へ。", 1), "what_to_do[0].ja", "not a national number"),
    (lambda s: s.replace('ja: "{prefecture}　紹介カード"', "ja: 紹介カード", 1), "labels.title.ja", "placeholders"),
    (lambda s: s.replace("  qr_link:", "  qr_lnk:", 1), "labels.qr_lnk", "unknown label"),
    (lambda s: s.replace("  qr_link:", "  qr_lnk:", 1), "labels.qr_link", "missing"),
    (lambda s: s[: s.index("  - ja: 診察は")] + s[s.index("\nlabels:"):], "what_to_do", "exactly 5 lines"),
    (lambda s: s.replace("checked_on: 2026-11-27", 'checked_on: "27.11.2026"', 1), "meta.checked_on", "date"),
    (lambda s: s.replace("すぐ110番。", "すぐ110番。" + "あ" * 60, 1), "what_to_do[0].ja", "fit on an A6 card"),
])  # fmt: skip
def test_broken_card_texts_name_file_and_key(tmp_path, edit, key, message):
    shutil.copy(KNOWLEDGE / "national.yaml", tmp_path / "national.yaml")
    raw = (KNOWLEDGE / "card.yaml").read_text(encoding="utf-8")
    broken = edit(raw)
    assert broken != raw, "the edit did not apply"
    (tmp_path / "card.yaml").write_text(broken, encoding="utf-8")
    problems = Problems()
    card.check_card(tmp_path, problems)
    found = [p for p in problems if p.file == "card.yaml" and p.key == key and message in p.message]
    assert found, [str(p) for p in problems]
    with pytest.raises(KnowledgeError):
        card.load_card(tmp_path)


def test_an_unquoted_short_number_in_card_texts_is_caught(tmp_path):
    """Unquoted, YAML would read ' #8891 ...' as a comment and silently cut the line."""
    shutil.copy(KNOWLEDGE / "national.yaml", tmp_path / "national.yaml")
    raw = (KNOWLEDGE / "card.yaml").read_text(encoding="utf-8")
    quoted = next(line for line in raw.splitlines() if line.startswith('  - ja: "本人の同意を得て'))
    unquoted = quoted.replace('ja: "', "ja: ").rstrip('"')
    (tmp_path / "card.yaml").write_text(raw.replace(quoted, unquoted), encoding="utf-8")
    problems = Problems()
    card.check_card(tmp_path, problems)
    assert any("read as a YAML comment" in p.message for p in problems), [str(p) for p in problems]


# -- the command line ----------------------------------------------------------------------------------------
def test_cli_writes_a_card_and_prints_its_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["card", "--prefecture", "Okinawa", "--lang", "en"]) == 0
    written = tmp_path / "referral-card-47-okinawa-en-a6.pdf"
    assert capsys.readouterr().out.strip() == "referral-card-47-okinawa-en-a6.pdf"
    assert "098-975-0166" in _pdf_text(written)
    assert main(["card", "--prefecture", "47", "--format", "png", "--size", "a4", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "referral-card-47-okinawa-ja-a4.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("argv, said", [
    (["card", "--prefecture", "Kanagawq"], "did you mean Kanagawa"),
    (["card", "--prefecture", "府中"], "more than one prefecture"),
    (["card", "--prefecture", "14", "--link", "javascript:alert(1)"], "--link: expected an http(s) URL"),
])  # fmt: skip
def test_cli_errors_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, argv, said):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_all_into_a_file_is_an_error(tmp_path, capsys):
    target = tmp_path / "cards.pdf"
    target.write_bytes(b"x")
    assert main(["card", "--all", "-o", str(target)]) == 2
    assert "into a folder" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["card"], ["card", "--prefecture", "14", "--all"],
                                  ["card", "--prefecture", "14", "--size", "b5"]])  # fmt: skip
def test_cli_usage_errors_exit_2(argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2


def test_reply_imports_nothing_of_the_card():
    code = (
        "import sys; from bot.cli import main; main(['reply', '横浜市 性被害']);\n"
        "print('LOADED', sorted(m for m in ('bot.card', 'bot.card_render', 'reportlab', 'segno', 'pypdfium2')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "LOADED []" in out.stdout, out.stdout[-500:]


def test_cli_output_suffix_must_match_the_format(tmp_path, capsys):
    assert main(["card", "--prefecture", "14", "--format", "png", "-o", str(tmp_path / "card.pdf")]) == 2
    assert "ends in .pdf but --format is png" in capsys.readouterr().err
    assert not (tmp_path / "card.pdf").exists()


def test_check_card_warns_of_stale_card_texts():
    problems = Problems()
    card.check_card(KNOWLEDGE, problems, today=card.load_card(KNOWLEDGE).checked_on + dt.timedelta(days=400))
    assert [(p.file, p.key, p.level) for p in problems] == [("card.yaml", "meta.checked_on", "warning")]


def test_a_link_too_long_to_scan_is_refused(kb, texts):
    c = card.build_card(kb, texts, "14", "ja", "https://t.me/bot?start=" + "x" * 400)
    with pytest.raises(card.CardError, match="too long for a QR code"):
        card_render.layout(c)
