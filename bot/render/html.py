"""Reply -> HTML for the web page (bot/channels/web.py). Pure: no I/O; Jinja2 with autoescape on.

The layout follows bot/render/plain.py: what to do at once (headline, question), the local center(s),
the contacts, the guidance sections, then the footer (where the facts come from, when checked). Every
string from the knowledge files is escaped by Jinja2's autoescape; only http(s) URLs become links.

Phone numbers are `tel:` links (a tap dials on a phone, a click offers a softphone on a PC): "#" is
percent-encoded ("#8891" -> "tel:%238891"), since a raw "#" would start the URL's fragment. Every
number of a contact is shown (#8891 and 0120-8891-77 for NTT Hikari lines), not only the first.

Actions become submit buttons named "case" whose value is the whole case (bot/state.py), for a form
the page puts around them: the browser posts the case back, so the server keeps no session. They are
rendered by kind, generically, so an action the engine gains later shows without a change here; a
"url" action is a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote, urlsplit

from jinja2 import Environment
from markupsafe import Markup

from bot.model import Reply
from bot.render import ActionLike, Labels
from bot.state import encode

_ANSWER = """\
<h2 id="answer-title" class="headline">{{ r.headline }}</h2>
{% if r.question %}<p class="question">{{ r.question }}</p>
{% if choices %}{{ choices }}{% endif %}
{% endif %}
{% if r.centers %}<h3>{{ g.t("centers_title", prefecture=r.prefecture_name) }}</h3>
{% for c in r.centers %}<div class="center">
<h4>{{ c.name }}</h4>
{% if c.phones %}<ul class="phones">
{% for phone in c.phones %}<li><a class="tel" href="{{ phone|tel }}">{{ phone }}</a>{% if c.phone_areas[loop.index0] %} <span class="area">{{ c.phone_areas[loop.index0] }}</span>{% endif %}</li>
{% endfor %}</ul>
{% endif %}
{% if c.note %}<p class="note">{{ c.note }}</p>
{% endif %}
{% if c.hours %}<p>{{ g.t("hours_label") }}: {{ c.hours }}</p>
{% endif %}
<p class="status status-{{ {True: "open", False: "closed"}.get(c.open_now, "unknown") }}">{{ c.status }}</p>
{% if c.out_of_hours %}<p>{{ c.out_of_hours }}</p>
{% endif %}
{% if c.website|web %}<p><a href="{{ c.website }}">{{ g.t("website_label") }}: {{ c.website|host }}</a></p>
{% endif %}
</div>
{% endfor %}{% endif %}
{% if r.contacts %}<h3>{{ g.t("contacts_title") }}</h3>
<ul class="contacts">
{% for k in r.contacts %}<li>{% if k.numbers or k.number %}<span class="numbers">{% for n in k.numbers or [k.number] %}<a class="tel" href="{{ n|tel }}">{{ n }}</a> {% endfor %}</span>
{% endif %}<b>{% if k.url|web %}<a href="{{ k.url }}">{{ k.label }}</a>{% else %}{{ k.label }}{% endif %}</b>{% if k.note %} <span class="note">{{ k.note }}</span>{% endif %}</li>
{% endfor %}</ul>
{% endif %}
{% for s in r.sections %}<h3>{{ s.title }}</h3>
<ul class="guidance">
{% for line in s.lines %}<li>{{ line }}</li>
{% endfor %}</ul>
{% endfor %}
{% if r.footer %}<p class="footer">{{ r.footer }}</p>
{% endif %}
"""

_ACTIONS = """\
{% for kind, group in groups %}<div class="actions actions-{{ kind }}">
{% for a in group %}{% if a.kind == "url" %}<a class="button link" href="{{ a.url }}">{{ a.label }}</a>
{% else %}<button type="submit" name="{{ field }}" value="{{ a.case|state(a.region) }}"{% if form %} form="{{ form }}"{% endif %}>{{ a.label }}</button>
{% endif %}{% endfor %}</div>
{% endfor %}"""

def tel(number: str) -> str:
    """A `tel:` URL: the digits, "+" and "-" as they are; "#" and anything else percent-encoded."""
    return "tel:" + quote("".join(number.split()), safe="+-0123456789")


def is_web(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://")) and bool(urlsplit(url).hostname)


def host(url: str) -> str:
    return urlsplit(url).hostname or url


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(tel=tel, web=is_web, host=host, state=lambda case, region=None: encode(case, region))
    return env


@lru_cache(maxsize=1)
def _templates():
    env = _env()
    return env.from_string(_ANSWER), env.from_string(_ACTIONS)


def render_html(reply: Reply, g: Labels, *, choices: Markup | None = None) -> Markup:
    """The answer as an HTML fragment (escaped), to go inside the page's answer section. `choices`
    (render_actions' buttons) go right after the question, if the reply asks one."""
    return Markup(_templates()[0].render(r=reply, g=g, choices=choices))


def render_actions(actions: Sequence[ActionLike], *, field: str = "case", form: str | None = None) -> Markup:
    """The actions as buttons, consecutive ones of a kind in one group: a button carries its case in
    `field`, for a form that posts back (the enclosing one, or the one whose id is `form`: a button
    may sit anywhere in the page); a "url" action is a link to a web address."""
    groups: list[tuple[str, list[ActionLike]]] = []
    for a in actions:
        if a.kind == "url" and not is_web(a.url):
            continue
        if a.kind != "url" and a.case is None:
            continue
        if groups and groups[-1][0] == a.kind:
            groups[-1][1].append(a)
        else:
            groups.append((a.kind, [a]))
    return Markup(_templates()[1].render(groups=groups, field=field, form=form))
