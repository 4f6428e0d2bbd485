"""A toy English -> Spanish translation grammar (notebooks 02 and 03).

The corpus for the RNN encoder-decoder and for attention: seeded, offline, and with a checker.
Every sentence is built from the same small grammar, so the correct translation of a sentence
is known exactly and "is this translation right?" is a function, not a judgement.

What the grammar has, chosen so that translating is more than a word-by-word lookup:

- gendered nouns with article and adjective agreement:
  "the red ball" -> "la pelota roja", "a big dog" -> "un perro grande";
- adjectives after the noun in Spanish (the crossing an attention heatmap shows);
- plural nouns (with verb agreement): "the dogs see some cats" -> "los perros ven a unos gatos";
- the Spanish "personal a" before a person or an animal as direct object, contracted with
  "el" to "al": "the girl sees the dog" -> "la niña ve al perro";
- "a"/"an" in English by the next word's first letter: "an old cat" -> "un gato viejo";
- relative clauses ("that" -> "que") on people and animals, and clauses joined by
  "and"/"but"/"because" -> "y"/"pero"/"porque", so a sentence runs from 3 to `MAX_WORDS` words.

Format: lowercase words separated by single spaces, no punctuation (no final period).
Spanish keeps its accents ("niña", "pájaro", "ríe").

`translation_pairs` draws sentence lengths uniformly in [min_words, max_words], so every length
bucket of an accuracy-by-length plot has data. Short lengths have few distinct sentences
(3 words: a few hundred), so large samples repeat short sentences; pairs are not de-duplicated.

`is_valid_translation` parses the English with the grammar (an independent parser, not the
sampler), translates the parse deterministically and compares word by word.
"""

import functools
import random
from dataclasses import dataclass

from helpers._checks import check_int

__all__ = [
    "EN_WORDS",
    "ES_WORDS",
    "MAX_WORDS",
    "MIN_WORDS",
    "is_valid_translation",
    "reference_translation",
    "translation_pairs",
]


# --------------------------------------------------------------------------- the lexicon

# Noun classes: subjects are always people or animals; verbs and adjectives say which classes
# they take, so sentences stay (mostly) sensible.
PERSON, ANIMAL, THING, FOOD = "person", "animal", "thing", "food"
ANIMATE = frozenset({PERSON, ANIMAL})
ALL = frozenset({PERSON, ANIMAL, THING, FOOD})


@dataclass(frozen=True)
class _Noun:
    en: str
    en_pl: str
    es: str
    es_pl: str
    feminine: bool
    cls: str


@dataclass(frozen=True)
class _Adj:
    en: str
    es: tuple[str, str, str, str]  # masculine, feminine, masculine plural, feminine plural
    classes: frozenset[str]

    def es_form(self, feminine: bool, plural: bool) -> str:
        return self.es[2 * plural + feminine]


@dataclass(frozen=True)
class _Verb:
    en: str  # 3rd person singular present: "sees"
    en_pl: str  # 3rd person plural present: "see"
    es: str
    es_pl: str
    subjects: frozenset[str]
    objects: frozenset[str] | None  # None: intransitive (no object); else the object classes


def _n(en, en_pl, es, es_pl, gender, cls):
    return _Noun(en, en_pl, es, es_pl, gender == "f", cls)


_NOUNS = (
    _n("girl", "girls", "niña", "niñas", "f", PERSON),
    _n("boy", "boys", "niño", "niños", "m", PERSON),
    _n("woman", "women", "mujer", "mujeres", "f", PERSON),
    _n("man", "men", "hombre", "hombres", "m", PERSON),
    _n("queen", "queens", "reina", "reinas", "f", PERSON),
    _n("king", "kings", "rey", "reyes", "m", PERSON),
    _n("dog", "dogs", "perro", "perros", "m", ANIMAL),
    _n("cat", "cats", "gato", "gatos", "m", ANIMAL),
    _n("bird", "birds", "pájaro", "pájaros", "m", ANIMAL),
    _n("horse", "horses", "caballo", "caballos", "m", ANIMAL),
    _n("cow", "cows", "vaca", "vacas", "f", ANIMAL),
    _n("mouse", "mice", "ratón", "ratones", "m", ANIMAL),
    _n("goat", "goats", "cabra", "cabras", "f", ANIMAL),
    _n("elephant", "elephants", "elefante", "elefantes", "m", ANIMAL),
    _n("ball", "balls", "pelota", "pelotas", "f", THING),
    _n("house", "houses", "casa", "casas", "f", THING),
    _n("book", "books", "libro", "libros", "m", THING),
    _n("car", "cars", "coche", "coches", "m", THING),
    _n("table", "tables", "mesa", "mesas", "f", THING),
    _n("box", "boxes", "caja", "cajas", "f", THING),
    _n("hat", "hats", "sombrero", "sombreros", "m", THING),
    _n("key", "keys", "llave", "llaves", "f", THING),
    _n("door", "doors", "puerta", "puertas", "f", THING),
    _n("apple", "apples", "manzana", "manzanas", "f", FOOD),
    _n("cake", "cakes", "pastel", "pasteles", "m", FOOD),
    _n("orange", "oranges", "naranja", "naranjas", "f", FOOD),
    _n("cookie", "cookies", "galleta", "galletas", "f", FOOD),
    _n("egg", "eggs", "huevo", "huevos", "m", FOOD),
)


def _a(en, ms, fs, mp, fp, classes):
    return _Adj(en, (ms, fs, mp, fp), frozenset(classes))


_ADJS = (
    _a("red", "rojo", "roja", "rojos", "rojas", {THING, FOOD}),
    _a("blue", "azul", "azul", "azules", "azules", {THING}),
    _a("green", "verde", "verde", "verdes", "verdes", {THING, FOOD}),
    _a("black", "negro", "negra", "negros", "negras", {THING, ANIMAL}),
    _a("white", "blanco", "blanca", "blancos", "blancas", {THING, ANIMAL}),
    _a("big", "grande", "grande", "grandes", "grandes", ALL),
    _a("small", "pequeño", "pequeña", "pequeños", "pequeñas", ALL),
    _a("old", "viejo", "vieja", "viejos", "viejas", {PERSON, ANIMAL, THING}),
    _a("new", "nuevo", "nueva", "nuevos", "nuevas", {THING}),
    _a("young", "joven", "joven", "jóvenes", "jóvenes", {PERSON, ANIMAL}),
    _a("happy", "feliz", "feliz", "felices", "felices", {PERSON, ANIMAL}),
    _a("tall", "alto", "alta", "altos", "altas", {PERSON}),
    _a("hungry", "hambriento", "hambrienta", "hambrientos", "hambrientas", {PERSON, ANIMAL}),
    _a("sweet", "dulce", "dulce", "dulces", "dulces", {FOOD}),
    _a("fresh", "fresco", "fresca", "frescos", "frescas", {FOOD}),
)

_VERBS = (
    # intransitive
    _Verb("sleeps", "sleep", "duerme", "duermen", ANIMATE, None),
    _Verb("runs", "run", "corre", "corren", ANIMATE, None),
    _Verb("sings", "sing", "canta", "cantan", ANIMATE, None),
    _Verb("jumps", "jump", "salta", "saltan", ANIMATE, None),
    _Verb("swims", "swim", "nada", "nadan", ANIMATE, None),
    _Verb("laughs", "laugh", "ríe", "ríen", frozenset({PERSON}), None),
    # transitive. "wants"/"has" take no people or animals: "querer a" means "to love" and
    # "tener" drops the personal "a", two subtleties this toy grammar leaves out.
    _Verb("sees", "see", "ve", "ven", ANIMATE, ALL),
    _Verb("watches", "watch", "mira", "miran", ANIMATE, ALL),
    _Verb("finds", "find", "encuentra", "encuentran", ANIMATE, ALL),
    _Verb("wants", "want", "quiere", "quieren", ANIMATE, frozenset({THING, FOOD})),
    _Verb("has", "have", "tiene", "tienen", ANIMATE, frozenset({THING, FOOD})),
    _Verb("carries", "carry", "lleva", "llevan", ANIMATE, frozenset({ANIMAL, THING, FOOD})),
    _Verb("eats", "eat", "come", "comen", ANIMATE, frozenset({FOOD})),
    _Verb("buys", "buy", "compra", "compran", frozenset({PERSON}), frozenset({THING, FOOD})),
    _Verb("opens", "open", "abre", "abren", frozenset({PERSON}), frozenset({THING})),
    _Verb("follows", "follow", "sigue", "siguen", ANIMATE, ANIMATE),
    _Verb("helps", "help", "ayuda", "ayudan", ANIMATE, ANIMATE),
    _Verb("loves", "love", "ama", "aman", ANIMATE, ANIMATE),
)

_CONJS = {"and": "y", "but": "pero", "because": "porque"}
_ES_ARTICLES = {  # (definite, feminine, plural) -> article
    (True, False, False): "el",
    (True, True, False): "la",
    (True, False, True): "los",
    (True, True, True): "las",
    (False, False, False): "un",
    (False, True, False): "una",
    (False, False, True): "unos",
    (False, True, True): "unas",
}

EN_WORDS: tuple[str, ...] = tuple(
    sorted(
        {"the", "a", "an", "some", "that", *_CONJS}
        | {w for n in _NOUNS for w in (n.en, n.en_pl)}
        | {a.en for a in _ADJS}
        | {w for v in _VERBS for w in (v.en, v.en_pl)}
    )
)
"""Every English word the grammar can produce, sorted (for building a vocabulary)."""

ES_WORDS: tuple[str, ...] = tuple(
    sorted(
        {"a", "al", "que", *_CONJS.values(), *_ES_ARTICLES.values()}
        | {w for n in _NOUNS for w in (n.es, n.es_pl)}
        | {w for a in _ADJS for w in a.es}
        | {w for v in _VERBS for w in (v.es, v.es_pl)}
    )
)
"""Every Spanish word a correct translation can contain, sorted."""


# --------------------------------------------------------------------------- syntax trees


@dataclass(frozen=True)
class _NP:
    """Noun phrase: article, optional adjective, noun. "the red ball", "some old men"."""

    definite: bool
    adj: _Adj | None
    noun: _Noun
    plural: bool


@dataclass(frozen=True)
class _Rel:
    """Relative clause on a person or animal: "that runs", "that sees the cat"."""

    verb: _Verb
    obj: _NP | None


@dataclass(frozen=True)
class _Clause:
    """subject [relative] verb [object [relative]]."""

    subj: _NP
    subj_rel: _Rel | None
    verb: _Verb
    obj: _NP | None
    obj_rel: _Rel | None


@dataclass(frozen=True)
class _Sentence:
    clauses: tuple[_Clause, ...]
    conjs: tuple[str, ...]  # English conjunctions, len(clauses) - 1


# Word counts of the parts of a clause (English; the Spanish can be longer by "a").
_NP_LENGTHS = (2, 3)  # article noun | article adjective noun
_REL_LENGTHS = (0, 2, 4, 5)  # none | that verb | that verb article [adjective] noun
_OBJ_LENGTHS = (0, 2, 3)  # intransitive verb | object noun phrase
MAX_CLAUSES = 3
_CLAUSE_SHAPES: dict[int, list[tuple[int, int, int, int]]] = {}
for _s in _NP_LENGTHS:
    for _r1 in _REL_LENGTHS:
        for _o in _OBJ_LENGTHS:
            for _r2 in _REL_LENGTHS if _o else (0,):
                _CLAUSE_SHAPES.setdefault(_s + _r1 + 1 + _o + _r2, []).append((_s, _r1, _o, _r2))
_MIN_CLAUSE, _MAX_CLAUSE = min(_CLAUSE_SHAPES), max(_CLAUSE_SHAPES)
assert sorted(_CLAUSE_SHAPES) == list(range(_MIN_CLAUSE, _MAX_CLAUSE + 1))  # no length gaps

MIN_WORDS: int = _MIN_CLAUSE
"""The shortest English sentence the grammar makes (3 words: "the dog runs")."""
MAX_WORDS: int = MAX_CLAUSES * _MAX_CLAUSE + (MAX_CLAUSES - 1)
"""The longest English sentence the grammar makes (3 clauses of 17 words, 2 conjunctions)."""


# --------------------------------------------------------------------------- public API


def translation_pairs(
    n: int, seed: int = 0, min_words: int = 3, max_words: int = 32
) -> list[tuple[str, str]]:
    """`n` (english, spanish) sentence pairs, English lengths uniform in [min_words, max_words].

    Deterministic: the same arguments give the same pairs. Lengths count English words.
    """
    check_int("n", n, low=1)
    check_int("min_words", min_words, MIN_WORDS, MAX_WORDS)
    check_int("max_words", max_words, MIN_WORDS, MAX_WORDS)
    if min_words > max_words:
        raise ValueError(
            f"min_words must be <= max_words, got min_words={min_words}, max_words={max_words}"
        )
    check_int("seed", seed)
    rng = random.Random(int(seed))
    pairs = []
    for _ in range(n):
        sentence = _sample_sentence(rng, rng.randint(min_words, max_words))
        pairs.append((" ".join(_render_en(sentence)), " ".join(_render_es(sentence))))
    return pairs


def reference_translation(en: str) -> str:
    """The one correct Spanish translation of an English sentence of the grammar.

    Raises ValueError when the sentence is not one the grammar makes.
    """
    if not isinstance(en, str):
        raise TypeError(f"en must be a str, got {type(en).__name__}")
    sentence = _parse(en.split())
    if sentence is None:
        raise ValueError(f"en is not a sentence of the toy grammar: {en!r}")
    return " ".join(_render_es(sentence))


def is_valid_translation(en: str, es: str) -> bool:
    """True when `en` is a sentence of the grammar and `es` is exactly its translation.

    Words are compared one by one after splitting on whitespace; case and accents matter.
    """
    if not isinstance(en, str) or not isinstance(es, str):
        raise TypeError(f"en and es must be str, got {type(en).__name__}, {type(es).__name__}")
    sentence = _parse(en.split())
    return sentence is not None and _render_es(sentence) == es.split()


# --------------------------------------------------------------------------- rendering


def _en_np(np: _NP) -> list[str]:
    words = ([np.adj.en] if np.adj else []) + [np.noun.en_pl if np.plural else np.noun.en]
    if np.definite:
        article = "the"
    elif np.plural:
        article = "some"
    else:
        article = "an" if words[0][0] in "aeiou" else "a"
    return [article, *words]


def _es_np(np: _NP, direct_object: bool = False) -> list[str]:
    noun, fem, pl = np.noun, np.noun.feminine, np.plural
    words = [_ES_ARTICLES[(np.definite, fem, pl)], noun.es_pl if pl else noun.es]
    if np.adj:
        words.append(np.adj.es_form(fem, pl))  # the adjective follows the noun
    if direct_object and noun.cls in ANIMATE:  # personal "a"; "a el" contracts to "al"
        words = ["al", *words[1:]] if words[0] == "el" else ["a", *words]
    return words


def _en_rel(rel: _Rel, plural: bool) -> list[str]:
    verb = rel.verb.en_pl if plural else rel.verb.en
    return ["that", verb, *(_en_np(rel.obj) if rel.obj else [])]


def _es_rel(rel: _Rel, plural: bool) -> list[str]:
    verb = rel.verb.es_pl if plural else rel.verb.es
    return ["que", verb, *(_es_np(rel.obj, direct_object=True) if rel.obj else [])]


def _render_en(sentence: _Sentence) -> list[str]:
    words: list[str] = []
    for i, c in enumerate(sentence.clauses):
        if i:
            words.append(sentence.conjs[i - 1])
        words += _en_np(c.subj)
        words += _en_rel(c.subj_rel, c.subj.plural) if c.subj_rel else []
        words.append(c.verb.en_pl if c.subj.plural else c.verb.en)
        words += _en_np(c.obj) if c.obj else []
        words += _en_rel(c.obj_rel, c.obj.plural) if c.obj_rel else []
    return words


def _render_es(sentence: _Sentence) -> list[str]:
    words: list[str] = []
    for i, c in enumerate(sentence.clauses):
        if i:
            words.append(_CONJS[sentence.conjs[i - 1]])
        words += _es_np(c.subj)
        words += _es_rel(c.subj_rel, c.subj.plural) if c.subj_rel else []
        words.append(c.verb.es_pl if c.subj.plural else c.verb.es)
        words += _es_np(c.obj, direct_object=True) if c.obj else []
        words += _es_rel(c.obj_rel, c.obj.plural) if c.obj_rel else []
    return words


# --------------------------------------------------------------------------- sampling


def _sample_sentence(rng: random.Random, length: int) -> _Sentence:
    """A random sentence of exactly `length` English words."""
    ks = [
        k
        for k in range(1, MAX_CLAUSES + 1)
        if k * _MIN_CLAUSE + k - 1 <= length <= k * _MAX_CLAUSE + k - 1
    ]
    k = rng.choice(ks)
    lengths = _split_length(rng, length - (k - 1), k)
    clauses = tuple(_sample_clause(rng, n) for n in lengths)
    conjs = tuple(rng.choice(list(_CONJS)) for _ in range(k - 1))
    return _Sentence(clauses, conjs)


def _split_length(rng: random.Random, total: int, k: int) -> list[int]:
    """`k` clause lengths in [_MIN_CLAUSE, _MAX_CLAUSE] summing to `total`, in random order."""
    parts = []
    for i in range(k, 0, -1):  # i parts still to choose, this one included
        lo = max(_MIN_CLAUSE, total - (i - 1) * _MAX_CLAUSE)
        hi = min(_MAX_CLAUSE, total - (i - 1) * _MIN_CLAUSE)
        parts.append(rng.randint(lo, hi))
        total -= parts[-1]
    rng.shuffle(parts)
    return parts


def _sample_clause(rng: random.Random, length: int) -> _Clause:
    """A random clause of exactly `length` English words."""
    s, r1, o, r2 = rng.choice(_CLAUSE_SHAPES[length])
    subj = _sample_np(rng, s, ANIMATE)
    subj_rel = _sample_rel(rng, r1, subj.noun.cls) if r1 else None
    # an object with a relative clause must be a person or an animal
    verb = rng.choice(_verbs(subj.noun.cls, transitive=o > 0, animate_object=r2 > 0))
    obj = _sample_np(rng, o, verb.objects & ANIMATE if r2 else verb.objects) if o else None
    obj_rel = _sample_rel(rng, r2, obj.noun.cls) if r2 else None
    return _Clause(subj, subj_rel, verb, obj, obj_rel)


def _sample_rel(rng: random.Random, length: int, head_cls: str) -> _Rel:
    """A relative clause of `length` words (2, 4 or 5) on a head noun of class `head_cls`."""
    verb = rng.choice(_verbs(head_cls, transitive=length > 2, animate_object=False))
    return _Rel(verb, _sample_np(rng, length - 2, verb.objects) if length > 2 else None)


def _sample_np(rng: random.Random, length: int, classes: frozenset[str]) -> _NP:
    """A noun phrase of `length` words (2 or 3) whose noun is in one of `classes`."""
    adj = rng.choice(_adjectives(classes)) if length == 3 else None
    noun = rng.choice(_nouns(classes & adj.classes if adj else classes))
    return _NP(definite=rng.random() < 0.6, adj=adj, noun=noun, plural=rng.random() < 0.25)


@functools.cache
def _verbs(subject_cls: str, transitive: bool, animate_object: bool) -> list[_Verb]:
    return [
        v
        for v in _VERBS
        if subject_cls in v.subjects
        and (v.objects is not None) == transitive
        and (not animate_object or v.objects & ANIMATE)
    ]


@functools.cache
def _adjectives(classes: frozenset[str]) -> list[_Adj]:
    return [a for a in _ADJS if a.classes & classes]


@functools.cache
def _nouns(classes: frozenset[str]) -> list[_Noun]:
    return [n for n in _NOUNS if n.cls in classes]


# --------------------------------------------------------------------------- parsing

# Lookups from English words; a noun word maps to (noun, plural).
_EN_NOUN = {w: (n, w == n.en_pl) for n in _NOUNS for w in (n.en, n.en_pl)}
_EN_ADJ = {a.en: a for a in _ADJS}
_EN_VERB = {w: (v, w == v.en_pl) for v in _VERBS for w in (v.en, v.en_pl)}


class _Reject(Exception):
    """The words are not a sentence of the grammar."""


def _parse(words: list[str]) -> _Sentence | None:
    """The syntax tree of an English sentence, or None when the grammar cannot make it.

    A recursive-descent parser, written independently of the sampler: it checks every rule
    (agreement, a/an, which verbs take which subjects and objects) on the words themselves.
    """
    parser = _Parser(words)
    try:
        sentence = parser.sentence()
    except _Reject:
        return None
    assert _render_en(sentence) == words  # parsing then rendering gives the words back
    return sentence


class _Parser:
    def __init__(self, words: list[str]):
        self.words, self.i = words, 0

    def peek(self) -> str | None:
        return self.words[self.i] if self.i < len(self.words) else None

    def take(self) -> str:
        word = self.peek()
        if word is None:
            raise _Reject("sentence ended early")
        self.i += 1
        return word

    def sentence(self) -> _Sentence:
        clauses, conjs = [self.clause()], []
        while self.peek() in _CONJS and len(clauses) < MAX_CLAUSES:
            conjs.append(self.take())
            clauses.append(self.clause())
        if self.peek() is not None:
            raise _Reject(f"unexpected word {self.peek()!r}")
        return _Sentence(tuple(clauses), tuple(conjs))

    def clause(self) -> _Clause:
        subj = self.noun_phrase(ANIMATE)
        subj_rel = self.relative(subj) if self.peek() == "that" else None
        verb = self.verb(subj)
        obj = self.noun_phrase(verb.objects) if verb.objects is not None else None
        obj_rel = self.relative(obj) if obj is not None and self.peek() == "that" else None
        return _Clause(subj, subj_rel, verb, obj, obj_rel)

    def relative(self, head: _NP) -> _Rel:
        self.take()  # "that"
        if head.noun.cls not in ANIMATE:
            raise _Reject("relative clauses attach to people and animals only")
        verb = self.verb(head)
        return _Rel(verb, self.noun_phrase(verb.objects) if verb.objects is not None else None)

    def verb(self, subject: _NP) -> _Verb:
        word = self.take()
        if word not in _EN_VERB:
            raise _Reject(f"expected a verb, got {word!r}")
        verb, plural = _EN_VERB[word]
        if plural != subject.plural or subject.noun.cls not in verb.subjects:
            raise _Reject(f"{word!r} does not agree with its subject")
        return verb

    def noun_phrase(self, classes: frozenset[str]) -> _NP:
        article = self.take()
        if article not in ("the", "a", "an", "some"):
            raise _Reject(f"expected an article, got {article!r}")
        word = self.take()
        adj = _EN_ADJ.get(word)
        if adj is not None:
            word = self.take()
        if word not in _EN_NOUN:
            raise _Reject(f"expected a noun, got {word!r}")
        noun, plural = _EN_NOUN[word]
        if noun.cls not in classes or (adj is not None and noun.cls not in adj.classes):
            raise _Reject(f"{word!r} cannot stand here")
        np = _NP(definite=article == "the", adj=adj, noun=noun, plural=plural)
        if _en_np(np)[0] != article:  # a/an/some must fit the number and the next word
            raise _Reject(f"wrong article {article!r}")
        return np
