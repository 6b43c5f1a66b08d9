"""The learned weights (bot.learned, knowledge/weights.json): what they may and may not change, how
they load, and that the shipped file was trained on the current rules and development sets."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import replace

import pytest

from bot.learned import (
    FLAG_DECISIONS,
    KEEP_DECISIONS,
    LATE_UNLESS_ACUTE,
    MAX_WORDS,
    Decision,
    Learned,
    cues,
    load_learned,
    may_drop,
)
from bot.model import FLAGS, INTENT_HELP, INTENT_REFERRAL, INTENT_VICTIM
from bot.schema import Node, Problems
from bot.text import normalize
from tests.conftest import KNOWLEDGE, ROOT


def _cues(**kw):
    base = dict(affirmed=(), keywords=(), said=(), doers=(), flags=(), holding=(), own_age=False,
                named_subject=False, hours=False, other_words=0, words=())  # fmt: skip
    return cues(**{**base, **kw})


def test_cues_name_what_the_rules_read_and_the_words():
    c = _cues(affirmed=["topic"], keywords=["topic", "danger"], said=["topic"], doers=["partner"],
              flags=["acute"], holding=["victim-self", "case-described"], own_age=True, other_words=9,
              words=["触る", "れる"])  # fmt: skip
    assert c == {"a:topic", "k:danger", "s:topic", "d:partner", "f:acute", "r:victim-self", "r:case-described",
                 "first:victim-self", "own_age", "ow:5", "w:触る", "w:れる"}  # fmt: skip
    assert "k:topic" not in c  # affirmed: only a denied or quoted set is a k: cue


def test_a_long_paste_counts_no_more_words_than_the_cap():
    c = _cues(words=[f"w{i}" for i in range(MAX_WORDS * 3)])
    assert sum(x.startswith("w:") for x in c) == MAX_WORDS


def test_a_decision_is_a_logistic_of_its_cues_the_same_in_any_order():
    d = Decision("danger", bias=-1.0, threshold=0.5, weights={"a": 0.1, "b": 1e16, "c": -1e16})
    assert d.probability([]) == pytest.approx(1 / (1 + math.exp(1)))
    assert d.probability(["a", "b", "c"]) == d.probability(["c", "b", "a"]) == pytest.approx(1 / (1 + math.exp(0.9)))
    assert not d.holds(["a"]) and Decision("danger", 0.0, 0.5, {}).holds([])


def test_one_lookup_of_a_messages_cues_decides_as_each_decision_alone():
    danger = Decision("danger", -0.5, 0.5, {"w:a": 0.3, "w:b": 0.4})
    carer = Decision("carer", 0.2, 0.5, {"w:a": -0.9, "w:c": 0.1234})
    learned = Learned(flags=(danger, carer), victim=None)
    for present in ({}, {"w:a"}, {"w:a", "w:b"}, {"w:b"}, {"w:a", "w:c", "w:z"}, {"w:c"}):
        present = frozenset(present)
        assert learned.added_flags(frozenset(), present) == {d.name for d in (danger, carer) if d.holds(present)}


def test_the_packed_sums_are_each_decisions_own_whatever_the_signs_and_sizes():
    import random

    rng = random.Random(7)
    names = [f"w:{i}" for i in range(60)]
    scales = (1e-4, 0.5, 30.0, 1e6)  # a weight of one step, ordinary ones, a huge one beside them
    flags = tuple(Decision(name, rng.uniform(-1, 1), 0.5, {c: rng.choice((-1, 1)) * rng.choice(scales)
                                                            for c in rng.sample(names, 40)})
                  for name in FLAG_DECISIONS)  # fmt: skip
    learned = Learned(flags=flags, victim=None)
    acute = next(d for d in flags if d.name == "acute")
    for _ in range(300):
        present = frozenset(rng.sample(names, rng.randint(0, len(names))))
        held = {d.name for d in flags if d.holds(present)}
        if acute.probability(present) >= LATE_UNLESS_ACUTE:  # late yields where acute may be
            held.discard("late")
        assert learned.added_flags(frozenset(), present) == held

def test_neighbouring_words_are_cues_in_pairs_with_their_particles():
    from bot.learned import content_words
    from bot.morph import tokens

    words = content_words(tokens("夫にされたって言ってます"))
    assert "って" in words and "た|って" in words and "って|言う" in words  # って: her words, reported
    assert "夫|に" in words


def test_pairs_of_neighbouring_letters_are_cues_where_a_word_is_cut_wrong():
    from bot.learned import MAX_PAIRS, letter_pairs

    assert letter_pairs("昨番 先輩に") == ["昨番", "先輩", "輩に"]  # no pair across a space
    assert letter_pairs("raped 2 days ago") == []  # English has its words
    assert letter_pairs("he 触った") == ["触っ", "った"]
    c = _cues(pairs=letter_pairs("おとつい先輩に"))
    assert {"c:おと", "c:つい", "c:輩に"} <= c and not any(x.startswith("w:") for x in c)
    many = _cues(pairs=[chr(0x4E00 + i) + "a" for i in range(MAX_PAIRS * 2)])
    assert sum(x.startswith("c:") for x in many) == MAX_PAIRS


def _load(doc):
    problems = Problems()
    learned = load_learned(Node(doc, "weights.json", "", problems), sets=["topic", "danger"], flags=["danger"],
                           rules=["victim-self"])  # fmt: skip
    return learned, [str(p) for p in problems.errors]


def test_weights_for_cues_the_rules_no_longer_give_are_an_error_that_says_retrain():
    ok = {"decisions": {"danger": {"bias": 0, "threshold": 0.5, "weights": {"a:topic": 1, "w:夫": 2, "first:victim-self": 1}}}}
    learned, errors = _load(ok)
    assert errors == [] and learned.flags[0].weights["w:夫"] == 2
    stale = {"decisions": {"danger": {"bias": 0, "threshold": 0.5, "weights": {"a:gone": 1, "r:old-rule": 1}}}}
    learned, errors = _load(stale)
    assert learned.flags == () and len(errors) == 1 and "a:gone" in errors[0] and "retrain" in errors[0]


@pytest.mark.parametrize("decisions, words", [
    ({"minor": {"bias": 0, "threshold": 0.5, "weights": {}}}, "unknown decision"),
    ({"danger": {"bias": "x", "threshold": 0.5, "weights": {}}}, "bias"),
    ({"danger": {"bias": 0, "threshold": 1.5, "weights": {}}}, "threshold"),
    ({"danger": {"bias": 0, "threshold": 0.5, "weights": {"w:夫": "high"}}}, "weights"),
])  # fmt: skip
def test_a_malformed_weights_file_is_an_error(decisions, words):
    _, errors = _load({"decisions": decisions})
    assert len(errors) == 1 and words in errors[0]


# ------------------------------------------------------------------ what weights may change


@pytest.fixture(scope="module")
def plain(kb):
    return replace(kb.rules, learned=None)


def _with(rules, **decisions):
    made = {n: Decision(n, bias, 0.5, weights) for n, (bias, weights) in decisions.items()}
    flags = tuple(d for n, d in made.items() if n in FLAG_DECISIONS)
    keeps = tuple(Decision(n, d.bias, 0.2, d.weights) for n, d in made.items() if n in KEEP_DECISIONS)
    return replace(rules, learned=Learned(flags, made.get("victim"), made.get("help"), case=made.get("case"), keeps=keeps))


def _facts(rules, text):
    return rules.facts(normalize(text), place=False)


LOBBY = "患者さんが性被害にあったと話しています。ロビーにいます"


def test_weights_add_a_flag_the_rules_did_not_set_and_say_so(plain):
    assert "danger" not in _facts(plain, LOBBY).flags
    f = _facts(_with(plain, danger=(-5.0, {"w:ロビー": 10.0})), LOBBY)
    assert "danger" in f.flags and f.learned == {"danger"}
    assert "a:topic" in f.cues and "w:ロビー" in f.cues


@pytest.mark.parametrize("text", [
    "患者さんが性被害にあったと話しています。ロビーにいます。危険はありません",
    "患者さんが性被害にあったと話しています。ロビーにいます。加害者はもういない",
    "患者さんが性被害にあったと話しています。ロビーにいます。相手は逮捕されて接近禁止命令も出ています",
])  # fmt: skip
def test_weights_never_set_danger_where_the_message_denies_it(plain, text):
    f = _facts(_with(plain, danger=(5.0, {"w:ロビー": 10.0})), text)
    assert "danger" not in f.flags


@pytest.mark.parametrize("text", [
    "患者さんが性被害にあったと話しています。5日前のことです",  # a late time the rules read
    "患者さんが性被害にあったと話しています。3時間前のことです",  # a time read: acute by the rules, not by weights
])  # fmt: skip
def test_weights_never_date_what_the_rules_dated(plain, text):
    f = _facts(_with(plain, acute=(50.0, {})), text)
    assert "acute" not in f.learned
    assert ("acute" in f.flags) == ("acute" in _facts(plain, text).flags)


@pytest.mark.parametrize("text", [
    "患者さんが性被害にあったと話しています。5日前のことです",  # a time the rules read
    "患者さんが性被害にあったと話しています。3時間前のことです",
    "患者さんが昨夜性被害にあったと話しています",  # a recent day the rules read (acute)
])  # fmt: skip
def test_weights_add_late_only_where_the_rules_read_no_time(plain, text):
    f = _facts(_with(plain, late=(50.0, {})), text)
    assert "late" not in f.learned


def test_weights_add_late_where_no_time_was_read_unless_it_may_be_recent(plain):
    text = "患者さんが性被害にあったと話しています"
    assert not _facts(plain, text).flags & {"acute", "late"}
    f = _facts(_with(plain, late=(50.0, {})), text)
    assert f.learned == {"late"}
    # learned acute below its threshold, yet likely enough (20 %): unsure which, so no late
    f = _facts(_with(plain, late=(50.0, {}), acute=(math.log(0.2 / 0.8), {})), text)
    assert not f.flags & {"acute", "late"}


def test_weights_add_no_flag_to_a_question_of_another_kind(plain):
    stock = "緊急避妊薬の院内在庫切らした。卸どこが一番早い？"
    assert plain.intent(_facts(plain, stock)) == INTENT_HELP
    eager = _with(plain, acute=(50.0, {}), danger=(50.0, {}))
    f = _facts(eager, stock)
    assert f.learned == frozenset() and eager.intent(f) == INTENT_HELP
    assert _facts(eager, LOBBY).learned == {"acute", "danger"}  # a case: the same weights add both
    to_case = _with(plain, case=(50.0, {}), danger=(50.0, {}))
    assert "danger" in _facts(to_case, stock).learned  # read as a case by the weights: flags may follow


def test_weights_add_no_partner_where_the_rules_named_another_as_the_one_who_did_it(plain):
    with_partner = _with(plain, partner=(50.0, {}))
    assert "partner" in _facts(with_partner, "患者さんが無理やりされたと話しています").learned
    for text in ("夫の友人に襲われたと患者さん。夫には言えていない", "見知らぬ男に襲われた患者。夫が付き添っています"):
        assert "partner" not in _facts(with_partner, text).flags, text


def test_weights_add_no_carer_where_the_care_is_denied_nor_pharmacy_to_a_pharmacists_own_story(plain):
    eager = _with(plain, carer=(50.0, {}), pharmacy=(50.0, {}))
    assert {"carer", "pharmacy"} <= _facts(eager, "利用者さんが無理やりされたと話しています").learned
    denied = "利用者（60代、脳性麻痺の女性）が夫から性行為を強要されていると。夫は介護はしておらず、介護はヘルパーが入っています"
    assert "carer" not in _facts(eager, denied).flags
    own = "薬剤師です。自分のことで相談です。在宅訪問先の患者さんのご主人に玄関で抱きつかれ、服の中に手を入れられました"
    assert "pharmacy" not in _facts(eager, own).flags


def test_weights_never_remove_a_flag_the_rules_set(plain):
    text = "加害者の夫がいま待合室にいます"
    assert "danger" in _facts(plain, text).flags
    f = _facts(_with(plain, danger=(-50.0, {})), text)
    assert "danger" in f.flags and f.learned == frozenset()


def test_weights_choose_only_between_victim_and_referral(plain):
    to_victim = _with(plain, victim=(50.0, {}))
    text = "患者さんが昨夜性被害にあいました。横浜市です"
    assert plain.intent(_facts(plain, text)) == INTENT_REFERRAL
    assert to_victim.intent(_facts(to_victim, text)) == INTENT_VICTIM
    to_referral = _with(plain, victim=(-50.0, {}))
    assert to_referral.intent(_facts(to_referral, "昨日無理やりされました。どうしたらいい")) == INTENT_REFERRAL
    for greeting in ("こんにちは", "アセトアミノフェンの小児量を教えて"):  # the rules' help stays help
        assert to_victim.intent(_facts(to_victim, greeting)) == INTENT_HELP


def test_weights_read_no_case_only_where_the_rules_read_no_act(plain):
    to_help = _with(plain, help=(50.0, {}))
    asked = "今から開いてる皮膚科ありますか札幌"  # the rules take a clinic's question for a case
    assert plain.intent(_facts(plain, asked)) == INTENT_REFERRAL
    assert to_help.intent(_facts(to_help, asked)) == INTENT_HELP
    for case in ("I was forced by my fiancé before, and now I'm scared of getting married. Who can I talk to?",
                 "理学療法士です。リハ中に患者さんに股間を押しつけられる。何度も。今日も担当",
                 "加害者の夫がいま待合室にいます", "中2の娘のことで相談です。塾の先生に"):  # fmt: skip
        f = _facts(to_help, case)
        assert to_help.intent(f) in (INTENT_VICTIM, INTENT_REFERRAL), case


def test_weights_read_a_case_where_the_rules_read_none(plain):
    drugged = "20代女性、昨夜ナンパしてきた男に飲まされて記憶がなく、朝ホテルで目が覚めた"
    assert plain.intent(_facts(plain, drugged)) == INTENT_HELP
    to_case = _with(plain, case=(-5.0, {"w:記憶": 10.0}))
    assert to_case.intent(_facts(to_case, drugged)) == INTENT_REFERRAL  # no victim decision: another's story
    assert to_case.intent(_facts(to_case, "こんにちは")) == INTENT_HELP  # the cues decide, not the bias
    mine = _with(plain, case=(-5.0, {"w:記憶": 10.0}), victim=(50.0, {}))
    assert mine.intent(_facts(mine, drugged)) == INTENT_VICTIM  # whose story: the victim decision


def test_weights_take_back_a_flag_the_rules_set_but_never_a_time_they_read(plain):
    text = "母親の彼氏に触られたと中2の娘。昨日も"
    assert {"partner", "acute"} & _facts(plain, text).flags  # what the rules set
    doubt = _with(plain, keep_partner=(-50.0, {}), keep_acute=(-50.0, {}))
    f = _facts(doubt, text)
    assert not {"partner", "acute"} & f.flags and f.dropped == {"partner", "acute"} & _facts(plain, text).flags
    timed = "彼氏に無理やりされた。3時間前"  # acute from a number of hours: the rules' own
    assert "acute" in _facts(doubt, timed).flags and "acute" not in _facts(doubt, timed).dropped
    sure = _with(plain, keep_partner=(50.0, {}))
    assert "partner" not in _facts(sure, text).dropped


def test_weights_take_back_danger_but_never_where_the_one_who_did_it_is_here(plain):
    doubt = _with(plain, keep_danger=(-50.0, {}))
    companion = "付き添いの男性が威圧的で、本人のそばを離れようとしません。昨夜被害"  # danger from a companion
    assert "danger" in _facts(plain, companion).flags
    assert "danger" not in _facts(doubt, companion).flags and "danger" in _facts(doubt, companion).dropped
    here = "元彼に昨日無理やりされた。元彼が今も待合室にいる"  # the rules read him here: 110 first stands
    assert "danger" in _facts(plain, here).flags
    assert "danger" in _facts(doubt, here).flags and "danger" not in _facts(doubt, here).dropped
    assert not may_drop("danger", frozenset({"a:doer_present"})) and may_drop("danger", frozenset({"a:nearby"}))
    problems = Problems()  # and the loader refuses a keep_danger that takes back more than the nearly sure
    load_learned(Node({"decisions": {"keep_danger": {"bias": -5.0, "threshold": 0.3, "weights": {}}}}, "w.json", "",
                      problems), sets=plain.keyword_sets, flags=FLAGS, rules=[r.id for r in plain.intent_rules])  # fmt: skip
    assert any("keep_danger" in str(p) and "at most" in str(p) for p in problems.errors)


def test_weights_never_take_back_her_partner_named_as_the_one_who_did_it(plain):
    doubt = _with(plain, keep_partner=(-50.0, {}))  # weights that would take back every partner
    named = "同僚が付き添ってくれています。The perpetrator is her ex-husband."
    assert "partner" in _facts(doubt, named).flags and "partner" not in _facts(doubt, named).dropped
    unnamed = "元彼に昨日無理やりされた。同僚が付き添ってくれています"  # partner read, not said by a copula
    assert "partner" in _facts(plain, unnamed).flags and "partner" in _facts(doubt, unnamed).dropped
    assert not may_drop("partner", frozenset({"a:partner_named"})) and may_drop("partner", frozenset({"a:partner"}))


def test_without_weights_the_rules_read_alone(plain):
    f = _facts(plain, LOBBY)
    assert f.cues == frozenset() and f.learned == frozenset()


# ------------------------------------------------------------------ the shipped weights


def _shipped():
    return json.loads((KNOWLEDGE / "weights.json").read_text(encoding="utf-8"))


def test_the_shipped_weights_load_with_every_decision(kb):
    learned = kb.rules.learned
    assert learned is not None and learned.victim is not None
    assert {d.name for d in learned.flags} == set(FLAG_DECISIONS) and learned.help is not None
    assert learned.case is not None
    assert {d.name for d in learned.keeps} == set(KEEP_DECISIONS)


def test_the_shipped_weights_were_trained_on_the_current_rules_and_development_sets():
    meta = _shipped()["meta"]
    assert meta["rules_sha256"] == hashlib.sha256((KNOWLEDGE / "rules.yaml").read_bytes()).hexdigest(), \
        "rules.yaml changed since the weights were trained: python tools/train_weights.py"  # fmt: skip
    corpus = ROOT / "tests" / "corpus"
    now = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in [corpus / "messages.jsonl", *corpus.glob("dev*.jsonl")]}
    assert meta["corpus_sha256"] == now, "the development sets changed: python tools/train_weights.py"
    assert not any(name.startswith("heldout") for name in meta["trained_on"])


@pytest.mark.parametrize("text", [
    "20代女性、昨夜知人から性被害。加害者はもういない、危険はないと本人",
    "患者さんは昨日被害にあいましたが、相手は逮捕されています",
    "My patient was assaulted yesterday. He is in custody; she is safe at her sister's.",
])  # fmt: skip
def test_the_shipped_weights_set_no_danger_where_it_is_denied(kb, text):
    assert "danger" not in kb.rules.facts(normalize(text), place=False).flags


def test_training_writes_weights_that_load(tmp_path, kb):
    from tools.train_weights import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = []
    for i, (text, intent, flags) in enumerate([
        ("昨日無理やりされました", "victim", []), ("夫が待合室にいて怖いと患者", "referral", ["danger"]),
        ("患者さんが先週性被害に", "referral", []), ("施設の職員に触られると利用者", "referral", ["carer"]),
        ("私は昨夜襲われました", "victim", []), ("加害者が外にいると本人", "referral", ["danger"]),
        ("今から開いてる皮膚科ありますか", "help", []),
    ] * 3):  # fmt: skip
        lines.append(json.dumps({"id": f"t{i:03}", "text": text, "expect": {"intent": intent, "flags": flags}},
                                ensure_ascii=False))  # fmt: skip
    (corpus / "messages.jsonl").write_text("\n".join(lines[:10]) + "\n", encoding="utf-8")
    (corpus / "dev1.jsonl").write_text("\n".join(lines[10:]) + "\n", encoding="utf-8")
    (corpus / "heldout1.jsonl").write_text('{"not": "read"}\n', encoding="utf-8")  # never read: not even valid
    out = tmp_path / "weights.json"
    assert main(["--corpus", str(corpus), "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["meta"]["trained_on"] == ["messages.jsonl", "dev1.jsonl"]
    problems = Problems()
    learned = load_learned(Node(doc, "weights.json", "", problems), sets=kb.rules.keyword_sets, flags=FLAGS,
                           rules=[r.id for r in kb.rules.intent_rules])  # fmt: skip
    assert problems.errors == [] and learned.victim is not None and learned.help is not None
    assert {d.name for d in learned.flags} == {"danger", "carer"}  # no example of acute or partner: skipped
    assert learned.flags[0].weights  # it learned something from the words


def test_cross_validation_holds_out_whole_sets_per_fold(tmp_path, capsys):
    from tools.train_weights import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    cases = [("昨日無理やりされました", "victim", []), ("夫が待合室にいて怖いと患者", "referral", ["danger"]),
             ("施設の職員に触られると利用者", "referral", ["carer"]), ("今から開いてる皮膚科ありますか", "help", [])]  # fmt: skip
    for name, n in (("messages", 2), ("dev1", 2), ("dev2", 3), ("dev3", 2)):
        rows = [json.dumps({"id": f"{name}{i:03}", "text": t, "expect": {"intent": intent, "flags": flags}},
                           ensure_ascii=False) for i, (t, intent, flags) in enumerate(cases * n)]  # fmt: skip
        (corpus / f"{name}.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["--cv", "--folds", "2", "--corpus", str(corpus), "--out", str(tmp_path / "w.json")]) == 0
    out = capsys.readouterr().out
    # dev1 and dev3 in one fold, dev2 in the other: every development message is read once, messages.jsonl never
    assert "2-fold grouped cross-validation over 3 development sets (28 messages)" in out
    danger = next(line for line in out.splitlines() if line.strip().startswith("danger missing"))
    assert danger.split()[-1].isdigit()
