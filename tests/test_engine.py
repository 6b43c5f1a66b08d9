"""The engine over a generated corpus, bad input, the number-safety rules and the JSON contract."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import pytest

from bot.model import FLAGS, INTENT_HELP, Case
from bot.render.plain import MAX_CHARS
from tests.conftest import SUNDAY_NIGHT, WEEKDAY_NOON

PHONE = re.compile(r"(?<![\d-])0\d{1,4}-\d{1,4}-\d{3,4}(?![\d-])")

SITUATIONS_JA = [
    "患者さんが性被害にあったかもしれません",
    "昨夜、交際相手に性暴力を受けた患者",
    "14歳の中学生、3時間前に暴行された。加害者が外にいる",
    "1か月前のレイプ被害を今日打ち明けた患者",
    "",
]
SITUATIONS_EN = [
    "A patient may have been sexually assaulted",
    "A 16-year-old was raped last night by her boyfriend",
    "The attacker is in the waiting room",
    "I was raped",
    "hello",
]


def corpus(kb):
    """Every prefecture in each language, with each situation, plus places only."""
    for p in kb.locator.prefectures():
        for s in SITUATIONS_JA:
            yield f"当院は{p.name}にあります。{s}"
        for s in SITUATIONS_EN:
            yield f"Our hospital is in {p.romaji}. {s}"
    yield from SITUATIONS_JA + SITUATIONS_EN


def test_every_reply_in_the_corpus_has_8891_and_fits(engine, kb):
    n = 0
    for text in corpus(kb):
        for at in (WEEKDAY_NOON, SUNDAY_NIGHT):
            reply = engine.reply(text, at)
            assert "#8891" in reply.text, text
            assert len(reply.text) <= MAX_CHARS, text
            n += 1
    assert n > 900


def test_every_prefecture_is_found_from_the_corpus_and_gets_its_centers(engine, kb):
    for p in kb.locator.prefectures():
        reply = engine.reply(f"当院は{p.name}にあります。患者さんが性被害にあったかもしれません", WEEKDAY_NOON)
        assert reply.case.prefecture == p.code
        assert [c.id for c in reply.centers] == [c.id for c in kb.centers_in(p.code)]
        assert reply.prefecture_name == p.name and p.name in reply.text


def test_unverified_numbers_are_never_shown_and_verified_ones_always_are(engine, kb):
    unverified = {p.number for c in kb.centers for p in c.phones if not p.verified}
    assert unverified, "the reference has unverified numbers: this test must see some"
    for p in kb.locator.prefectures():
        for lang in ("ja", "en"):
            reply = engine.reply(f"{p.name} 性被害の患者", WEEKDAY_NOON, lang=lang)
            shown = set(PHONE.findall(reply.text))
            assert not shown & unverified, (p.code, shown & unverified)
            for center in kb.centers_in(p.code):
                for phone in center.phones:
                    if phone.verified:
                        assert phone.number in reply.text
            for view in reply.centers:
                assert all(n not in unverified for n in view.phones)
                if not view.phones:
                    assert "#8891" in view.note


def test_every_phone_number_in_a_reply_comes_from_the_knowledge(engine, kb):
    known = {p.number for c in kb.centers for p in c.phones if p.verified}
    known |= {n.number for k in kb.contacts.values() for n in k.numbers}
    for text in itertools.islice(corpus(kb), 0, None, 7):
        reply = engine.reply(text, WEEKDAY_NOON)
        assert set(PHONE.findall(reply.text)) <= known, text


BAD_INPUTS = [
    "",
    "   \n\t  ",
    "x" * 1_000_000,
    "性被害 横浜市 " * 100_000,
    "\x00\x00患者\x00横浜市\x00",
    "患者\ud800\udfff横浜市",
    "😀" * 500,
    "\u202e患者さんが性被害\u202c 横浜市",
    "مريض Yokohama 患者 🚑 파티 性被害",
    b"\xff\xfe\x00bytes",
    None,
    12345,
]


@pytest.mark.parametrize("text", BAD_INPUTS, ids=lambda t: repr(t)[:24])
def test_bad_input_gets_a_clear_answer(engine, text):
    reply = engine.reply(text, WEEKDAY_NOON)
    assert "#8891" in reply.text
    assert len(reply.text) <= MAX_CHARS
    reply.text.encode("utf-8")  # no lone surrogates reach a channel
    json.dumps(reply.to_json(), ensure_ascii=False).encode("utf-8")


def test_rtl_marks_do_not_hide_the_place(engine):
    reply = engine.reply("\u202e患者さんが性被害\u202c 横浜市", WEEKDAY_NOON)
    assert reply.case.prefecture == "14"


def test_json_contract(engine):
    data = engine.reply("当院は横浜市です。3時間前に性被害にあった15歳の患者", WEEKDAY_NOON).to_json()
    for key, kind in [("lang", str), ("intent", str), ("prefecture", str), ("candidates", list), ("flags", list),
                      ("hours_since", float), ("centers", list), ("contacts", list), ("text", str)]:  # fmt: skip
        assert isinstance(data[key], kind), key
    assert data["lang"] == "ja" and data["intent"] == "referral" and data["prefecture"] == "14"
    assert data["flags"] == ["acute", "minor"] and data["hours_since"] == 3.0
    center = data["centers"][0]
    assert set(center) >= {"id", "name", "phones", "verified", "open_now"}
    assert center["phones"] == ["045-322-7379"] and center["verified"] is True and center["open_now"] is True
    for contact in data["contacts"]:
        assert set(contact) >= {"id", "label", "number"}
    assert [c["id"] for c in data["contacts"]][:2] == ["onestop_8891", "child_189"]
    assert set(data["flags"]) <= set(FLAGS)


def test_json_nulls_when_nothing_is_known(engine):
    data = engine.reply("hello", WEEKDAY_NOON).to_json()
    assert data["prefecture"] is None and data["candidates"] == [] and data["hours_since"] is None
    assert data["centers"] == [] and data["flags"] == [] and data["lang"] == "en"


def test_open_now_follows_the_clock(engine):
    # Aomori: Mon/Wed 10-21, Tue/Thu/Fri 10-17, closed at weekends
    friday = engine.reply("青森県 性被害の患者", WEEKDAY_NOON).centers[0]
    sunday = engine.reply("青森県 性被害の患者", SUNDAY_NIGHT).centers[0]
    assert friday.open_now is True and "17:00" in friday.status
    assert sunday.open_now is False and "10:00" in sunday.status
    assert "#8891" in sunday.out_of_hours
    holiday = dt.datetime(2026, 11, 23, 12, 0, tzinfo=WEEKDAY_NOON.tzinfo)  # 勤労感謝の日, a Monday
    assert engine.reply("青森県 性被害の患者", holiday).centers[0].open_now is None  # holiday rules unknown


def test_lang_override_and_detection(engine):
    assert engine.reply("patient assaulted in Tokyo", WEEKDAY_NOON).case.lang == "en"
    assert engine.reply("東京の患者 assaulted", WEEKDAY_NOON).case.lang == "ja"
    reply = engine.reply("患者さんが性被害", WEEKDAY_NOON, lang="en")
    assert reply.case.lang == "en" and "What to do now" in reply.text


def test_default_prefecture_only_when_no_place_is_named(engine):
    assert engine.reply("患者さんが性被害", WEEKDAY_NOON, default_prefecture="13").case.prefecture == "13"
    assert engine.reply("横浜市 患者さんが性被害", WEEKDAY_NOON, default_prefecture="13").case.prefecture == "14"


def test_actions_lead_to_refined_cases(engine):
    case = engine.understand("府中市の病院。患者が性被害")
    actions = engine.actions(case)
    picks = [a for a in actions if a.kind == "prefecture"]
    assert [a.case.prefecture for a in picks] == ["13", "34"]
    assert all(a.case.candidates == ("13", "34") for a in picks)  # a choice: counted (channels/common.py)
    flags = {a.label: a.case.flags for a in actions if a.kind == "flag"}
    assert any("minor" in f for f in flags.values())
    lang = next(a for a in actions if a.kind == "lang")
    assert lang.case.lang == "en"

    none = engine.understand("患者が性被害")
    regions = engine.actions(none, region="*")
    assert len(regions) == 7 and all(a.kind == "region" for a in regions)
    assert "kanto" in [a.region for a in regions]
    kanto = engine.actions(none, region="kanto")
    assert {a.case.prefecture for a in kanto} == {"08", "09", "10", "11", "12", "13", "14"}

    tokyo = engine.understand("東京都 患者が性被害")
    urls = [a.url for a in engine.actions(tokyo) if a.kind == "url"]
    assert "https://sarc-tokyo.org/" in urls


def test_a_button_refinement_gives_the_same_answer_as_a_message(engine):
    via_button = engine.answer(engine.understand("横浜市 患者が性被害").with_(flags=frozenset({"minor"})), WEEKDAY_NOON)
    assert "child_189" in [k.id for k in via_button.contacts]
    assert "child" in [s.id for s in via_button.sections]


def test_center_reply_and_suggestions(engine):
    reply, suggestions = engine.center_reply("横浜", WEEKDAY_NOON)
    assert reply is not None and reply.case.prefecture == "14" and suggestions == []
    reply, suggestions = engine.center_reply("東凶都", WEEKDAY_NOON)
    assert reply is None and "東京都" in suggestions


def test_numbers_reply_lists_the_national_numbers(engine):
    for lang in ("ja", "en"):
        text = engine.numbers_reply(lang)
        for number in ("#8891", "110", "#8103", "189", "#8008", "0120-279-889"):
            assert number in text


def test_the_engine_is_deterministic(engine):
    a = engine.reply("当院は横浜市です。昨夜、患者さんが性被害", WEEKDAY_NOON)
    b = engine.reply("当院は横浜市です。昨夜、患者さんが性被害", WEEKDAY_NOON)
    assert a == b and a.text == b.text


def test_answers_from_a_warm_engine_equal_those_of_a_fresh_one(engine, kb):
    """The engine keeps the views of guidance sections and contacts once made: whatever it
    answered before, an answer is the one a new engine gives."""
    from bot.engine import Engine

    texts = list(corpus(kb))
    for text in texts:  # warm every section and contact, in both languages
        engine.reply(text, WEEKDAY_NOON)
    for text in texts[::7]:
        assert engine.reply(text, WEEKDAY_NOON) == Engine(kb).reply(text, WEEKDAY_NOON), text


def test_silence_about_time_puts_the_72_hour_actions_first_as_conditions(engine):
    """Issue 13: a message that says nothing of time is neither acute nor late. The answer gives the
    72-hour actions as conditions and asks when; a button says which, and then the answer follows."""
    case = engine.understand("性被害の女性が来院中です。横浜市です")
    assert not case.flags & {"acute", "late"}
    reply = engine.answer(case, WEEKDAY_NOON)
    ids = [s.id for s in reply.sections]
    assert "medical_unknown_time" in ids and "medical_later" not in ids and "medical_acute" not in ids
    assert ids.index("medical_unknown_time") < ids.index("police")
    assert "72時間以内なら" in reply.text
    times = {a.case.flags & {"acute", "late"}: a for a in engine.actions(case) if a.kind == "flag"}
    late = engine.answer(times[frozenset({"late"})].case, WEEKDAY_NOON)
    acute = engine.answer(times[frozenset({"acute"})].case, WEEKDAY_NOON)
    assert "medical_later" in [s.id for s in late.sections]
    assert "medical_unknown_time" not in [s.id for s in late.sections]
    assert "medical_acute" in [s.id for s in acute.sections]
    # once the time is known, no time button is offered again
    assert not any(a.case.flags & {"late"} for a in engine.actions(acute.case) if a.kind == "flag")


def test_a_child_with_a_disability_abused_by_care_staff_gets_the_child_section_not_the_adults_laws(engine):
    """Reference §12: under 18, the Child Abuse Act, not the disability and elder abuse laws' duty to
    notify the municipality. The reading keeps both flags; the answer gives the child's section."""
    case = engine.understand("知的障害のある16歳の女の子、通所先の男性職員から性被害の疑い。横浜市です")
    assert {"carer", "minor"} <= case.flags
    ids = [s.id for s in engine.answer(case, WEEKDAY_NOON).sections]
    assert "child" in ids and "carer" not in ids
    adult = engine.understand("知的障害のある30代の女性、通所先の男性職員から性被害の疑い。横浜市です")
    assert "carer" in [s.id for s in engine.answer(adult, WEEKDAY_NOON).sections]


def test_only_a_stated_time_past_72_hours_drops_the_acute_care(engine):
    assert "late" in engine.understand("1週間前に性被害にあった患者さん").flags
    assert "late" not in engine.understand("性被害にあった患者さん").flags


def test_a_child_writing_gets_a_childs_answer(engine):
    reply = engine.reply("中3です。塾の先生にさわられた", WEEKDAY_NOON)
    assert reply.case.intent == "victim" and "minor" in reply.case.flags
    assert "あなたは悪くない" in reply.headline
    contacts = [k.id for k in reply.contacts]
    assert contacts[0] == "onestop_8891" and "child_189" in contacts and "police_8103" not in contacts
    assert [s.id for s in reply.sections] == ["victim_child"]
    for jargon in ("性感染症", "予防投与", "証拠", "診断書"):
        assert jargon not in reply.text


def test_danger_puts_110_first_and_a_negation_does_not(engine):
    present = engine.reply("加害者が待合室にいます。性被害の患者さん", WEEKDAY_NOON)
    assert present.contacts[0].id == "police_110"
    gone = engine.reply("加害者はもういません。危険はありません。性被害の患者さん", WEEKDAY_NOON)
    assert "danger" not in gone.case.flags and "police_110" not in [k.id for k in gone.contacts]


def test_a_question_of_another_kind_gets_the_help_answer_without_flags(engine):
    reply = engine.reply("横浜市の病院です。昨夜から発熱の患者さん、解熱剤の用量は？", WEEKDAY_NOON)
    assert reply.case.intent == "help" and reply.case.flags == frozenset()
    assert "#8891" in reply.text


def test_a_pharmacy_asking_a_question_of_help_stays_a_pharmacy(engine):
    reply = engine.reply("薬剤師です。OC飲み忘れ2日分のお客さん、昨日性交あり。緊急避妊薬の適応になる？", WEEKDAY_NOON)
    assert reply.case.intent == "help" and reply.case.flags == {"pharmacy"}  # the setting, not a case's time
    assert reply.case.hours_since is None and "#8891" in reply.text


def test_a_question_of_another_kind_that_names_a_place_gets_that_places_centers(engine):
    """仙台のワンストップ、夜間は電話だけ？: no case to act on, and the answer is the center's hours."""
    reply = engine.answer(Case(intent=INTENT_HELP, prefecture="04"), WEEKDAY_NOON)
    assert [c.id for c in reply.centers] == [c.id for c in engine.kb.centers_in("04")] != []
    assert reply.centers[0].name in reply.text and "#8891" in reply.text
    assert engine.answer(Case(intent=INTENT_HELP), WEEKDAY_NOON).centers == ()  # no place, no center, no question
    assert engine.answer(Case(intent=INTENT_HELP, candidates=("13", "23")), WEEKDAY_NOON).question == ""


def test_japanese_written_in_romaji_is_read_as_japanese(engine):
    case = engine.understand("akita-shi no byouin desu. yuube shiranai otoko ni osowareta to. dou sureba ii desuka")
    assert (case.lang, case.intent, case.prefecture) == ("ja", "referral", "05")
    assert "acute" in case.flags  # yuube: last night
    assert engine.understand("I was raped last night in Tokyo").lang == "en"  # English stays English


def test_romaji_words_the_analyser_cannot_spell_back_are_read_from_a_lexicon(engine):
    from bot.romaji import respell

    assert respell("kangoshi desu. kanja-san (16sai) wa ani ni seiteki gyakutai sarete iru") == (
        "看護師です。患者さん(16歳)は兄に性的虐待されている"
    )
    case = engine.understand("josanshi desu. ninpu-san 26sai, otto kara no seiteki bouryoku. kyou mo otto ga machiai ni iru")
    assert case.intent == "referral" and {"partner", "danger"} <= case.flags


def test_romaji_spelling():
    from bot.romaji import looks_like_romaji, to_hiragana

    assert to_hiragana("kinou chikan ni atta") == "きのう ちかん に あった"
    assert to_hiragana("shinbun onna") == "しんぶん おんな"  # n before a consonant, n before a vowel
    assert to_hiragana("watashi wa") == "わたし は"  # the particle は, spelled as it sounds
    assert looks_like_romaji("kesa densha de chikan sareta desu")
    assert not looks_like_romaji("she was assaulted in the station this morning")
    assert not looks_like_romaji("横浜市です")


def test_romaji_with_a_date_in_kanji_and_english_words_in_quotes_is_japanese(engine):
    from bot.romaji import looks_like_romaji, respell

    case = engine.understand("sapporo no byouin desu. 20dai josei, seibouryoku higai, 2日前. soudan saki oshiete kudasai")
    assert (case.lang, case.prefecture, case.hours_since) == ("ja", "01", 48) and "acute" in case.flags
    assert respell("yakkyoku desu. okyakusan ga 'rape sareta' to itte imasu. after pill hoshii to.") == (
        "薬局です。お客さんが'レイプされた'といっています。アフターピルほしいと。"
    )
    case = engine.understand("Machida no sanfujinka desu. Kanja san ga otto kara seiteki boryoku, senshu.")
    assert case.intent == "referral" and {"partner", "late"} <= case.flags  # senshu: 先週, not 選手
    assert respell("kagoshima no group home de josei ga") == "かごしまのgroupほめで女性が"  # what no kana spells stays as written
    assert not looks_like_romaji("I went to the clinic, no one was there")  # "to" and "no": English too
    assert not looks_like_romaji("東京都新宿区の病院です desu ga")  # more than a date's kanji: Japanese as written


def test_days_before_in_romaji_words(engine):
    case = engine.understand("Ishigakijima no shinryoujo desu. Kankoukyaku no josei ga futsukamae ni beach de seibouryoku higai ni atta to itte imasu.")
    assert case.hours_since == 48 and "acute" in case.flags  # futsukamae: 2日前


def test_a_school_year_in_romaji_words_apart(engine):
    case = engine.understand("yakkyoku desu. chugaku 3nen to itteru onnanoko ga afutapiru hoshii to. kinou sareta rashii")
    assert {"minor", "pharmacy"} <= case.flags


def test_half_width_katakana_alone_is_read_as_japanese(engine):
    case = engine.understand("ｽﾐﾏｾﾝ ｻｸﾔ ｼﾗﾅｲｵﾄｺﾆ ｵｿﾜﾚﾀ ﾄﾞｳｼﾀﾗｲｲ")
    assert (case.lang, case.intent) == ("ja", "victim") and "acute" in case.flags  # サクヤ: last night


def test_minutes_in_romaji(engine):
    case = engine.understand("higai kara 30pun mae, josei 20dai, keisatsu doukou de kimashita. Sapporo-shi Kita-ku no byouin desu")
    assert case.hours_since == 0.5 and "acute" in case.flags


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Kashiwa no kurinikku desu. 10ka mae ni seihigai ni atta kanja-san ga imasu", 240),  # 10ka: 10 days
        ("Tenjin eki no chikaku no sanfujinka desu. 20dai josei, 2-kagetsu mae no higai", 1440),
    ],
)
def test_days_and_months_in_romaji(engine, text, hours):
    case = engine.understand(text)
    assert case.hours_since == hours and "late" in case.flags


def test_a_clock_time_in_romaji_and_the_english_word_in_it(engine):
    case = engine.understand("kanja-san ga kinou no yuugata 6ji goro ni rape sareta to itte imasu. Kumamoto-shi no byouin desu.")
    assert "acute" in case.flags and case.intent == "referral"  # 6ji: 6時, the evening's (18:00); rape: レイプ


def test_last_week_in_romaji_beside_a_night_shift(engine):
    text = "Sendai no tokuyo desu. Nyuukyosha no 92-sai josei ga, yakin no dansei shokuin ni mune wo sawarareta to. Senshuu no koto desu."
    case = engine.understand(text)
    assert "late" in case.flags and "acute" not in case.flags  # yakin is 夜勤, no dialect きんの (yesterday)


def test_a_school_year_in_romaji(engine):
    case = engine.understand("hokenshitsu ni kita chu1 no onnanoko, ani ni sarete iru to. Nagasaki-shi desu")
    assert "minor" in case.flags and case.prefecture == "42"


def test_kana_the_analyser_spells_as_a_rarer_word_keeps_the_word_meant(engine):
    from bot.romaji import respell
    from bot.text import normalize

    assert respell(normalize("ｾﾝｹﾞﾂ ｼﾞｮｳｼﾆ ｻﾚﾀ")) == "先月 じょうしに された"  # not 繊月
    assert "避妊" in respell(normalize("ｷﾝｷｭｳﾋﾆﾝﾔｸ ｶﾞ ﾎｼｲﾃﾞｽ"))  # not 非人
    assert "late" in engine.understand("ﾌﾁｭｳ ﾆ ｽﾝﾃﾞﾏｽ ｾﾝｹﾞﾂ ｼｮｸﾊﾞﾉ ｼﾞｮｳｼﾆ ﾎﾃﾙﾆ ﾂﾚｺﾏﾚﾏｼﾀ").flags


def test_hiragana_alone_keeps_a_childs_words():
    from bot.romaji import respell

    assert respell("せんせいにむねさわられた。こわい。だれにもいってない") is None
