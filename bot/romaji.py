"""Japanese spelled without kanji: in romaji ("akita-shi no byouin desu. yuube osowareta to"),
recognised by its grammar words, or in katakana alone (ｷｭｳｷｭｳｶﾞｲﾗｲﾃﾞｽ ｵｿﾜﾚﾀ): respelled with
each noun in its dictionary spelling (びょういん -> 病院) so the Japanese reading of the rules applies.

Small: a Hepburn (and common Kunrei/IME) spelling table, and the analyser's dictionary forms (bot.morph).
English is left alone: a message is romaji only when Japanese grammar words outnumber English ones.
"""

from __future__ import annotations

import re

from bot.morph import tokens
from bot.text import KATAKANA_TO_HIRAGANA

# words that only Japanese written in romaji has (particles that stand alone in English are left out:
# "to", "no", "a", "de" are English or Romance words too)
_JA_WORDS = frozenset(
    [
        "desu", "desuka", "deshita", "masu", "mashita", "masen", "shimashita", "shita", "sareta",
        "saremashita", "sarete", "shite", "imasu", "kara", "made", "wo", "ga", "wa", "ni", "mo", "ne",
        "yo", "ka", "kudasai", "onegai", "onegaishimasu", "sumimasen", "arigatou", "dou", "doushitara",
        "sureba", "ii", "iidesuka", "nan", "nani", "itsu", "doko", "dare", "kinou", "kyou", "kesa",
        "yuube", "ototoi", "sakki", "ima", "watashi", "boku", "atashi", "kanja", "kanjasan", "byouin",
        "byoin", "kurinikku", "josei", "dansei", "otoko", "onna", "hito", "kodomo", "musume", "kare",
        "kareshi", "otto", "tsuma", "shiranai", "osowareta", "osowaremashita", "reipu", "chikan",
        "muriyari", "keisatsu", "soudan", "sodan", "higai", "seihigai", "kega", "jikan", "mae",
        "shuukan", "nichi", "sai", "dai"
    ]
)  # fmt: skip
_EN_WORDS = frozenset(
    [
        "the", "is", "are", "was", "were", "and", "or", "but", "of", "to", "in", "on", "at", "for",
        "with", "by", "from", "this", "that", "it", "he", "she", "they", "we", "you", "i", "my", "her",
        "his", "their", "our", "your", "be", "been", "have", "has", "had", "do", "does", "did", "not",
        "no", "what", "how", "when", "where", "who", "which", "can", "could", "should", "would", "will",
        "a", "an", "as", "if", "so"
    ]
)  # fmt: skip
_WORD = re.compile(r"[a-z']+")

# longest spellings first; a doubled consonant is っ, n before a consonant or at the end is ん
_KANA = {
    "kya": "きゃ", "kyu": "きゅ", "kyo": "きょ", "sha": "しゃ", "shu": "しゅ", "sho": "しょ", "shi": "し",
    "sya": "しゃ", "syu": "しゅ", "syo": "しょ", "cha": "ちゃ", "chu": "ちゅ", "cho": "ちょ", "chi": "ち",
    "tya": "ちゃ", "tyu": "ちゅ", "tyo": "ちょ", "tsu": "つ", "nya": "にゃ", "nyu": "にゅ", "nyo": "にょ",
    "hya": "ひゃ", "hyu": "ひゅ", "hyo": "ひょ", "mya": "みゃ", "myu": "みゅ", "myo": "みょ",
    "rya": "りゃ", "ryu": "りゅ", "ryo": "りょ", "gya": "ぎゃ", "gyu": "ぎゅ", "gyo": "ぎょ",
    "bya": "びゃ", "byu": "びゅ", "byo": "びょ", "pya": "ぴゃ", "pyu": "ぴゅ", "pyo": "ぴょ",
    "ja": "じゃ", "ju": "じゅ", "jo": "じょ", "ji": "じ", "jya": "じゃ", "jyu": "じゅ", "jyo": "じょ",
    "ka": "か", "ki": "き", "ku": "く", "ke": "け", "ko": "こ", "sa": "さ", "si": "し", "su": "す",
    "se": "せ", "so": "そ", "ta": "た", "ti": "ち", "tu": "つ", "te": "て", "to": "と", "na": "な",
    "ni": "に", "nu": "ぬ", "ne": "ね", "no": "の", "ha": "は", "hi": "ひ", "fu": "ふ", "hu": "ふ",
    "he": "へ", "ho": "ほ", "ma": "ま", "mi": "み", "mu": "む", "me": "め", "mo": "も", "ya": "や",
    "yu": "ゆ", "yo": "よ", "ra": "ら", "ri": "り", "ru": "る", "re": "れ", "ro": "ろ", "wa": "わ",
    "wo": "を", "ga": "が", "gi": "ぎ", "gu": "ぐ", "ge": "げ", "go": "ご", "za": "ざ", "zi": "じ",
    "zu": "ず", "ze": "ぜ", "zo": "ぞ", "da": "だ", "di": "ぢ", "du": "づ", "de": "で", "do": "ど",
    "ba": "ば", "bi": "び", "bu": "ぶ", "be": "べ", "bo": "ぼ", "pa": "ぱ", "pi": "ぴ", "pu": "ぷ",
    "pe": "ぺ", "po": "ぽ", "a": "あ", "i": "い", "u": "う", "e": "え", "o": "お",
}  # fmt: skip
_VOWELS = frozenset("aeiou")


def looks_like_romaji(text: str) -> bool:
    """Whether a message is Japanese written in romaji: no kana and at most a few kanji (2日前), at
    least two of its words Japanese grammar words, and they outnumber the English ones ("no" and
    "to" are particles of both: not counted)."""
    if not text.isascii() and (_KANA_CHAR.search(text) or len(_KANJI.findall(text)) > _ROMAJI_KANJI_MAX):
        return False
    words = [w.strip("'") for w in _WORD.findall(text.lower())]  # 'rape sareta': the words inside quotes
    ja = sum(w in _JA_WORDS for w in words)
    en = sum(w in _EN_WORDS and w not in _BOTH_WORDS for w in words)
    return ja >= 2 and ja > en


_ROMAJI_KANJI_MAX = 4  # "…higai, 2日前. soudan saki…": a date typed in kanji among romaji
_BOTH_WORDS = frozenset({"no", "to"})


def to_hiragana(text: str) -> str:
    """Romaji words as hiragana, each word apart as written; digits, punctuation and what is not
    romaji are kept."""
    return " ".join(_PARTICLES.get(w) or _word_kana(w) for w in text.lower().split())


def respell(text: str) -> str | None:
    """The Japanese the rules read for a message spelled without kanji (romaji, kana alone), or
    None for any other message."""
    if looks_like_romaji(text):
        return to_japanese(" ".join(_romaji_word(w) for w in text.lower().split()))
    if _KANJI.search(text):
        return None
    kana = _KANA_CHAR.findall(text)
    if len(kana) < _KANA_MIN:
        return None
    katakana = sum(1 for c in kana if c >= "\u30a0")
    if katakana >= 0.7 * len(kana):  # ｷｭｳｷｭｳｶﾞｲﾗｲﾃﾞｽ: read as hiragana
        return to_japanese(text.translate(KATAKANA_TO_HIRAGANA), spaces=True)
    return None  # hiragana alone is read as it is: a child's words (せんせい, おとうさん) say who writes


def to_japanese(kana: str, *, spaces: bool = False) -> str:
    """Kana as the Japanese the rules read: each noun in its dictionary spelling (びょういん -> 病院,
    おとこ -> 男), the words written together as Japanese is. `spaces`: keep the writer's spaces
    (between the phrases of ｶﾚｼﾆ ﾑﾘﾔﾘｻﾚﾀ ｾﾝｼｭｳ; romaji spaces part every word)."""
    out = []
    for t in tokens(kana):
        if t.pos == "空白":
            if spaces:
                out.append(" ")
            continue
        # a noun of three kana or more (せんせい -> 先生; not ねん -> 念, く -> 九)
        # ... but a unit after a number stays as said (1しゅうかん is 1週間, not 習慣)
        respelled = t.pos == "名詞" and len(t.surface) >= 3 and _KANJI.search(t.form) and not (out and out[-1][-1:].isdigit())
        out.append(_KANA_WORDS.get(t.surface, t.form) if respelled else t.surface)
    return "".join(out)


_KANJI = re.compile(r"[\u4e00-\u9fff]")
# kana the analyser spells as a rarer word of the same sound (せんげつ -> 繊月, ひにん -> 非人): the
# word a message about a patient means
_KANA_WORDS = {"せんげつ": "先月", "せんせんげつ": "先々月", "ひにん": "避妊", "きょねん": "去年", "さくや": "昨夜",
               "ふちゅう": "ふちゅう", "こうち": "こうち"}  # fmt: skip (府中, 高知: places the locator reads in kana)
_KANA_CHAR = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
_KANA_MIN = 8  # fewer kana than this: a word or two, nothing to respell


_PARTICLES = {"wa": "は", "he": "へ"}  # the particles spelled as they sound

# words a clinician or a victim writes in romaji whose kana the analyser cannot spell back (かんごし,
# かれし, ちゅうしゃじょう): their usual spelling, so the rules read them as written in Japanese
_LEXICON = {
    "kangoshi": "看護師", "josanshi": "助産師", "ishi": "医師", "kanja": "患者", "ninpu": "妊婦",
    "josei": "女性", "dansei": "男性", "joshi": "女子", "danshi": "男子", "otoko": "男", "onna": "女",
    "hito": "人", "kareshi": "彼氏", "kanojo": "彼女", "kare": "彼", "otto": "夫", "tsuma": "妻",
    "ani": "兄", "ane": "姉", "chichi": "父", "haha": "母", "tomodachi": "友達", "joushi": "上司",
    "hannin": "犯人", "kagaisha": "加害者", "byouin": "病院", "kyuukyuu": "救急", "keisatsu": "警察",
    "seihigai": "性被害", "higai": "被害", "seiteki": "性的", "bouryoku": "暴力", "gyakutai": "虐待",
    "muriyari": "無理やり", "chikan": "痴漢", "reipu": "レイプ", "machiai": "待合", "machiaishitsu": "待合室",
    "chuushajou": "駐車場", "soto": "外", "ie": "家", "heya": "部屋", "kaisha": "会社", "shisetsu": "施設",
    "kinou": "昨日", "kesa": "今朝", "yuube": "昨夜", "ototoi": "一昨日", "kyou": "今日", "konya": "今夜",
    "taiho": "逮捕", "kioku": "記憶", "hakken": "発見", "densha": "電車", "eki": "駅", "osake": "お酒",
    "shiranai": "知らない", "osowareta": "襲われた", "matteiru": "待っている", "matte": "待って",
    "senshuu": "先週", "sengetsu": "先月", "kyonen": "去年", "sakuya": "昨夜", "sakuban": "昨晩", "yakin": "夜勤",
    "nyuukyosha": "入居者", "shokuin": "職員", "yuugata": "夕方", "gogo": "午後", "gozen": "午前", "shinya": "深夜",
    "rape": "レイプ",  # the English word in a romaji sentence (rape sareta), not ら + ぺ
    "after": "アフター", "pill": "ピル", "afutapiru": "アフターピル",  # after pill: アフターピル
    "senshu": "先週", "sanfujinka": "産婦人科", "fujinka": "婦人科", "yakkyoku": "薬局", "boryoku": "暴力",
    "seibouryoku": "性暴力", "seiboryoku": "性暴力", "kyuukyuugairai": "救急外来", "hogo": "保護",
    "futsukamae": "2日前", "mikkamae": "3日前", "yokkamae": "4日前", "itsukamae": "5日前", "futsuka": "2日", "mikka": "3日",
    "yokka": "4日", "itsuka": "5日",  # futsukamae ni: 2日前に
    "chugaku": "中学", "chuugaku": "中学", "koukou": "高校", "shougakkou": "小学校",  # chugaku 3nen: 中学3年
    "sensei": "先生", "chugakusei": "中学生", "chuugakusei": "中学生", "koukousei": "高校生", "shougakusei": "小学生",
}  # fmt: skip
_UNIT_AFTER = re.compile(r"(\d+)-?(sai|dai|jikan|nichi|shuukan|kagetsu|kagatsu|nen|pun|fun|bun|ka|ji)")
_GRADE_WORD = re.compile(r"(shou|sho|shō|chuu|chu|chū|kou|kō)(?:gakkou|gakko|gakkō|gakusei)?-?([1-6])(?:nensei|nen)?")
_GRADE = {"shou": "小", "sho": "小", "shō": "小", "chuu": "中", "chu": "中", "chū": "中", "kou": "高", "kō": "高"}
_UNIT = {"sai": "歳", "dai": "代", "jikan": "時間", "nichi": "日", "shuukan": "週間", "kagetsu": "か月", "nen": "年",
         "pun": "分", "fun": "分", "bun": "分", "kagatsu": "か月", "ka": "日", "ji": "時"}  # fmt: skip (30pun mae: 30分前; 10ka mae: 10日前; 6ji: 6時)


def _romaji_word(word: str) -> str:
    """One romaji word as Japanese: a word of the lexicon in its spelling (kanja-san -> 患者さん,
    20dai -> 20代), else its kana."""
    core = word.strip(".,!?()'\"")
    head, tail = word[: word.index(core)] if core else "", word[word.index(core) + len(core) :] if core else ""
    san = ""
    for suffix in ("-san", "san"):
        if core.endswith(suffix) and core[: -len(suffix)] in _LEXICON:
            core, san = core[: -len(suffix)], "さん"
            break
    if (m := _UNIT_AFTER.fullmatch(core)) is not None:
        return _word_kana(head) + m.group(1) + _UNIT[m.group(2)] + _word_kana(tail)
    if (m := _GRADE_WORD.fullmatch(core)) is not None:  # chu1, kou-2, shougakko5nensei: the school year
        return _word_kana(head) + _GRADE[m.group(1)] + m.group(2) + _word_kana(tail)
    if core in _LEXICON:
        return _word_kana(head) + _LEXICON[core] + san + _word_kana(tail)
    if (particle := _PARTICLES.get(word)) is not None:
        return particle
    kana = _word_kana(core)
    # an English word among the romaji ('rape', after pill) stays as written: no kana spells it
    return _word_kana(head) + (core if _LATIN_LEFT.search(kana) else kana) + _word_kana(tail)


_LATIN_LEFT = re.compile(r"[a-z]")


def _word_kana(word: str) -> str:
    out = []
    i = 0
    while i < len(word):
        c = word[i]
        if not ("a" <= c <= "z"):
            out.append({".": "。", ",": "、"}.get(c, c))
            i += 1
            continue
        if c == "n" and (i + 1 == len(word) or (word[i + 1] not in _VOWELS and word[i + 1] != "y")):
            out.append("ん")
            i += 1 + (word[i + 1 : i + 2] == "'")
            continue
        if i + 1 < len(word) and word[i + 1] == c and c not in _VOWELS:  # tt, kk, ss: っ
            out.append("っ")
            i += 1
            continue
        for size in (3, 2, 1):
            kana = _KANA.get(word[i : i + size])
            if kana:
                out.append(kana)
                i += size
                break
        else:
            out.append(c)
            i += 1
    return "".join(out)
