"""Input hygiene, language guess, and the Zoned scanner: for every pattern the engine scans with it,
the same matches as the plain regular expression, on random text built to contain near misses."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import location, rules
from bot.text import MAX_INPUT_CHARS, clean, guess_lang, normalize, utf8_letters

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
                                            ("東京都の患者 patient", "ja"), ("😀", "ja"), ("", "ja")])  # fmt: skip
def test_guess_lang(text, lang):
    assert guess_lang(text) == lang
