"""Input hygiene, language guess, and the Zoned scanner: for every pattern the engine scans with it,
the same matches as the plain regular expression, on random text built to contain near misses."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import location, rules
from bot.text import MAX_INPUT_CHARS, NFKC_INERT, clean, guess_lang, nfkc, normalize, utf8_letters

SCANS = {
    "ja-ago": (rules._JA_AGO_SCAN, "0123456789三十一半分時間日週か月ヶ年ほどくらい前まえ 　.\n"),
    "en-ago": (rules._EN_AGO_SCAN, "0123456789 -.aanhourdayweekminhrsgobefore\nx"),
    "ja-age": (rules._JA_AGE_SCAN, "0123456789十五歳才さい代未満以下 \nx"),
    "en-age": (rules._EN_AGE_SCAN, "0123456789 -/yearsoldagedyoinherhis0s\nx"),
    "postal": (location._POSTAL_SCAN, "0123456789-‐ー〒郵便番号は: \nx"),
}


def spans(matches):
    return [(m.span(), m.groups()) for m in matches]


@pytest.mark.parametrize("name", sorted(SCANS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_zoned_scan_finds_what_the_pattern_finds(name, data):
    zoned, alphabet = SCANS[name]
    text = data.draw(st.text(alphabet=st.sampled_from(alphabet), max_size=60))
    assert spans(zoned.finditer(text)) == spans(zoned.pattern.finditer(text))


@pytest.mark.parametrize("name", sorted(SCANS))
def test_zoned_scan_on_realistic_messages(name):
    zoned, _ = SCANS[name]
    for text in ["3時間前に被害、15歳、〒980-0811", "a 15-year-old, raped 3 hours ago, aged 16, in her 20s",
                 "03-5577-3899 と 0120-8891-77", "二時間前 十五歳 郵便番号 9800811", "1" * 500 + "歳",
                 "x" + "\n" * 300 + "ago", "no numbers here at all"]:  # fmt: skip
        assert spans(zoned.finditer(text)) == spans(zoned.pattern.finditer(text)), text


def test_clean_bounds_and_strips():
    assert len(clean("a" * (MAX_INPUT_CHARS * 3))) == MAX_INPUT_CHARS
    assert clean("\x00a\u202eb\ud800c") == " a b c"
    assert clean(b"\xffok") == "\ufffdok" and clean(None) == "" and clean(12) == "12"


def test_normalize_width_case_and_spaces():
    assert normalize("ＴＯＫＹＯ　ｶﾅｶﾞﾜ  Osaka") == "tokyo カナガワ osaka"


def test_utf8_letters_keeps_ascii_and_maps_the_rest_to_bytes():
    assert utf8_letters("tokyo") == "tokyo"
    assert utf8_letters("東京").encode("latin-1") == "東京".encode()


@pytest.mark.parametrize(("text", "lang"), [("患者さん", "ja"), ("patient in Tokyo", "en"), ("東京 patient", "en"),
                                            ("東京都の患者 patient", "ja"), ("😀", "ja"), ("", "ja"),
                                            ("Patient 19F, 先週末 party で drugged and raped, she lives in 京都市.", "en"),
                                            ("Pt 14yo、uncleからabuse、今朝disclosed。incidentの日時は不明。", "ja"),
                                            ("患者さん、patient", "ja"),
                                            # English quoted in a Japanese message is another's words
                                            ("Mom (American) says 'my son, 10, was touched by a male babysitter last night'. 通訳なしで対応中。Yokosuka", "ja"),
                                            ("she said 「やめて」 and he kept going, she is 20, in Osaka now", "en")])  # fmt: skip
def test_guess_lang(text, lang):
    assert guess_lang(text) == lang


def test_nfkc_inert_characters_are_left_alone_and_combine_with_nothing_before_them():
    """The proof behind bot.text.nfkc, over every code point: each inert character is its own NFKC
    form, and it and the first character of its decomposition (ポ is ホ + U+309A) have combining
    class 0 (nothing is reordered across them) and are the second character of no canonical
    composition (they never merge with what precedes them). So NFKC of a text is NFKC of each run
    of other characters, taken with the one character before it, and the inert rest copied."""
    is_inert = re.compile(f"[{NFKC_INERT}]").fullmatch
    inert = {chr(cp) for cp in range(0x110000) if is_inert(chr(cp))}
    assert {"a", "\n", "、", "。", "「", "』", "ぁ", "ゖ", "ァ", "ヺ", "ー", "一", "鿿"} <= inert
    assert not {"\u3099", "\u309b", "ゟ", "ヿ", "ｶ", "ﾞ", "\uf900", "가", "\u1161"} & inert
    firsts = set()
    for c in inert:
        assert unicodedata.normalize("NFKC", c) == c, hex(ord(c))
        first = unicodedata.normalize("NFKD", c)[0]
        assert unicodedata.combining(c) == 0 == unicodedata.combining(first), hex(ord(c))
        firsts.add(first)
    seconds = set()
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(chr(int(parts[1], 16)))
    seconds |= {chr(cp) for cp in range(0x1161, 0x1176)} | {chr(cp) for cp in range(0x11A8, 0x11C3)}  # Hangul V, T
    assert "\u0301" in seconds and "\u3099" in seconds
    assert not seconds & (inert | firsts)


_TRICKY = ("カがﾞﾟｶﾞｱ\u3099\u309a\u309b\u309cゝゞヽヾゟヿ㌔㍉①Ａａ！　 \u0301\u0308\u0323\u0344aeAE"
           "가\u1100\u1161\u11a8한ﬁ™½\u2163\u00c5\u212b\u0958\u0915\u093c\u0b47\u0b3e\u0b57\u1e9b\u0307"
           "ｧｰー。、「」『』一\u9fff\uf900\U0002f800x\n")


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_TRICKY), max_size=40) | st.text(max_size=40))
def test_nfkc_is_unicodedata_nfkc(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_nfkc_on_realistic_messages():
    for text in ["当院は横浜市です。患者さんが昨夜性被害にあったかもしれません", "ｶﾞｲﾄﾞ　ＴＯＫＹＯ１２３",
                 "カ\u3099ラス", "e\u0301t\u00e9", "", "ascii only", "〒２３１－００２３ 横浜市中区"]:  # fmt: skip
        assert nfkc(text) == unicodedata.normalize("NFKC", text), text
