"""Load and validate every knowledge file into one immutable Knowledge object.

`load()` raises KnowledgeError listing every problem with its file and key path; `check()` returns
them (plus staleness warnings) for `referral-bot check-knowledge` and never uses the cache. Reading
and validating takes a few hundred milliseconds, so `load()` keeps the validated Knowledge as a
pickle in a private cache directory (README, "Start-up"), named by checksums of every knowledge
file, the package's sources and the Python build: any change misses it. A cache file that is not
a regular file owned by this user and writable by no one else is ignored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import sys
import zlib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from bot.card_texts import check_card
from bot.facts import Center, Contact, load_centers, load_contacts, warn_if_stale
from bot.guidance import Guidance, cross_check, load_guidance
from bot.learned import load_learned
from bot.location import Locator
from bot.model import FLAGS, LANGS
from bot.rules import Rules, load_rules
from bot.schema import KnowledgeError, Problems, load_json, load_yaml
from bot.settings import paths

CACHE_FORMAT = 1  # bump when what the cache holds changes in a way the key does not see
CACHE_KEEP = 4  # cache files kept (several checkouts or versions may share one cache directory)


def _log(level: int, message: str, *args: object) -> None:
    import logging  # only on the rare paths that log: importing it costs a `reply` about 10 ms

    logging.getLogger(__name__).log(level, message, *args)


WEIGHTS = "weights.json"  # bot.learned: trained by tools/train_weights.py


def default_dir() -> Path:
    """knowledge/ inside the installed package, or beside the package in a source checkout;
    $REFERRAL_KNOWLEDGE_DIR overrides both (for reviewers trying an edited copy)."""
    chosen = paths().knowledge_dir
    if chosen:
        return chosen
    here = Path(__file__).resolve().parent
    installed = here / "knowledge"
    return installed if installed.is_dir() else here.parent / "knowledge"


@dataclass(frozen=True)
class Knowledge:
    directory: Path
    centers: tuple[Center, ...]
    contacts: dict[str, Contact]
    guidance: dict[str, Guidance]
    rules: Rules
    locator: Locator
    checked_on: dt.date  # the oldest date a fact was checked: shown in every reply's footer

    def centers_in(self, prefecture: str) -> tuple[Center, ...]:
        return self._by_prefecture.get(prefecture, ())

    @cached_property
    def _by_prefecture(self) -> dict[str, tuple[Center, ...]]:
        """The centers of each prefecture, in file order (every answer and its buttons ask)."""
        out: dict[str, list[Center]] = {}
        for c in self.centers:
            out.setdefault(c.prefecture, []).append(c)
        return {code: tuple(cs) for code, cs in out.items()}


def _read(directory: Path, problems: Problems) -> Knowledge | None:
    centers: tuple[Center, ...] = ()
    doc = load_yaml(directory / "centers.yaml", problems)
    if doc is not None:
        centers = load_centers(doc)

    contacts: dict[str, Contact] = {}
    doc = load_yaml(directory / "national.yaml", problems)
    if doc is not None:
        contacts = {c.id: c for c in load_contacts(doc)}

    guidance: dict[str, Guidance] = {}
    for lang in LANGS:
        doc = load_yaml(directory / f"guidance.{lang}.yaml", problems)
        if doc is not None:
            guidance[lang] = load_guidance(doc, lang)
    cross_check(guidance, problems)

    rules = None
    doc = load_yaml(directory / "rules.yaml", problems)
    if doc is not None:
        section_ids = set().union(*(g.sections for g in guidance.values())) if guidance else set()
        rules = load_rules(doc, sections=section_ids, contacts=set(contacts))
    if rules is not None and (directory / WEIGHTS).exists():  # optional: without it the rules read alone
        doc = load_json(directory / WEIGHTS, problems)
        if doc is not None:
            learned = load_learned(doc, sets=rules.keyword_sets, flags=FLAGS, rules=[r.id for r in rules.intent_rules])
            rules = replace(rules, learned=learned)

    try:  # the place finder's automaton also looks for the rules' keywords: one pass per message
        locator = Locator.load(directory, keywords=rules.keyword_forms() if rules else ())
    except KnowledgeError as e:
        problems.extend(e.problems)
        locator = None

    if problems.errors or locator is None or rules is None or len(guidance) != len(LANGS):
        return None
    dates = [c.checked_on for c in centers] + [c.checked_on for c in contacts.values()]
    dates += [g.checked_on for g in guidance.values() if g.checked_on]
    return Knowledge(directory, centers, contacts, guidance, rules, locator, min(dates))


def load(directory: Path | str | None = None, *, cache: bool = True) -> Knowledge:
    """The validated knowledge: from the cache when nothing it is built from has changed (see the
    module docstring), else read and checked from the files (then cached). `cache=False` reads the
    files and leaves the cache alone."""
    directory = Path(directory) if directory else default_dir()
    path = _cache_path(directory) if cache else None
    if path is not None:
        kb = _cache_read(path)
        if kb is not None:
            return kb
    problems = Problems()
    kb = _read(directory, problems)
    if kb is None:
        raise KnowledgeError(problems.errors or [*problems])
    if path is not None:
        _cache_write(path, kb)
    return kb


# ------------------------------------------------------------------ the cache
def cache_dir() -> Path | None:
    """Where the loaded knowledge is cached, or None when caching is off."""
    where = paths()
    env = where.cache_dir
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "no", "false") else Path(env)
    base = where.xdg_cache_home
    if base and Path(base).is_absolute():
        return Path(base) / "referral-bot"
    try:
        home = Path.home()
    except RuntimeError:  # no home directory
        return None
    return home / ".cache" / "referral-bot" if home.is_absolute() else None


def _cache_path(directory: Path) -> Path | None:
    """The cache file for this directory's knowledge as it is now, or None (no cache, or the files
    cannot be read: then `_read` reports it)."""
    where = cache_dir()
    if where is None or not hasattr(os, "geteuid"):
        return None
    try:
        import ahocorasick

        aho = os.stat(ahocorasick.__file__)
        head = (f"{CACHE_FORMAT}\0{sys.version}\0{ahocorasick.__file__}\0{aho.st_size}\0{aho.st_mtime_ns}\0"
                f"{directory.resolve()}\0").encode()  # fmt: skip
        # Two independent 32-bit checksums of every input, with the names and sizes: an edit that
        # left both unchanged would be a 1 in 2**64 accident. (Not hashlib: its import alone costs
        # a start-up 5-10 ms, and nothing here defends against an adversary: see _cache_read.)
        crc, adler = zlib.crc32(head), zlib.adler32(head)
        for group in (sorted(Path(__file__).resolve().parent.glob("*.py")), sorted(directory.iterdir())):
            for f in group:
                if f.name.startswith(".") or not f.is_file():
                    continue
                data = f.read_bytes()
                name = f"{f.name}\0{len(data)}\0".encode()
                crc, adler = zlib.crc32(data, zlib.crc32(name, crc)), zlib.adler32(data, zlib.adler32(name, adler))
    except OSError:
        return None
    return where / f"knowledge-{crc:08x}{adler:08x}.pickle"


def _cache_read(path: Path) -> Knowledge | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not (st.st_mode & 0o170000 == 0o100000 and st.st_uid == os.geteuid() and not st.st_mode & 0o022):
                _log(30, "knowledge cache %s ignored: not a private file of this user", path)
                return None
            kb = pickle.loads(f.read())
    except Exception as exc:  # corrupt or from an incompatible build: read the files instead
        _log(20, "knowledge cache %s ignored: %s", path, type(exc).__name__)
        return None
    return kb if isinstance(kb, Knowledge) else None


def _cache_write(path: Path, kb: Knowledge) -> None:
    """Best effort: a cache that cannot be written only costs the next start-up its speed."""
    import tempfile  # only when writing: a start-up that reads the cache does not pay for it

    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = pickle.dumps(kb, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".knowledge-", suffix=".tmp")  # mode 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one
        tmp = None
        old = sorted(path.parent.glob("knowledge-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale_file in old[CACHE_KEEP:]:
            stale_file.unlink(missing_ok=True)
    except Exception as exc:
        _log(20, "knowledge cache not written: %s", type(exc).__name__)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def check(directory: Path | str | None = None, today: dt.date | None = None) -> Problems:
    """Every problem in the knowledge files, errors first, then staleness warnings."""
    directory = Path(directory) if directory else default_dir()
    problems = Problems()
    kb = _read(directory, problems)
    today = today or dt.date.today()
    check_card(directory, problems, today=today)
    if kb is not None:
        for c in kb.centers:
            warn_if_stale(problems, "centers.yaml", f"centers[{c.id}].checked_on", c.checked_on, today)
        for k in kb.contacts.values():
            warn_if_stale(problems, "national.yaml", f"contacts[{k.id}].checked_on", k.checked_on, today)
        for g in kb.guidance.values():
            warn_if_stale(problems, f"guidance.{g.lang}.yaml", "meta.checked_on", g.checked_on, today)
        learned = kb.rules.learned
        if learned is not None and learned.rules_sha256 != hashlib.sha256((directory / "rules.yaml").read_bytes()).hexdigest():
            problems.warn(WEIGHTS, "meta.rules_sha256", "trained with another rules.yaml: retrain (python tools/train_weights.py)")
    return problems
