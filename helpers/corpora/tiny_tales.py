"""Tiny tales: a seeded story grammar, the corpus the course's mini GPT is pre-trained on.

Notebook 08 trains the mini GPT on `tiny_tales(...)`; notebook 09 turns sample quality into a
number with `split_sentences` + `is_grammatical`; `entity_tags` labels person names and places
for a named-entity tagger.

The grammar is data, written once below and used in both directions:

- the generator picks a story shape (lost and found, a trip, a friend helps, the weather
  changes plans, a gift, a new pet), binds a cast (a hero and a friend with genders, a toy
  with a size and a color, a place, ...) and renders one sentence pattern per story role;
- the recogniser matches one sentence against every pattern by backtracking over the same
  symbols and binds the same variables, so agreement (pronoun and name, a/an, subject and
  verb, adjective order, dialogue tags) is checked, not looked up in a list of sentences.

A pronoun in a sentence that also holds a person name always refers to a name in that
sentence, so agreement is checkable wherever a sentence has both.
"""

import random
import re
from collections.abc import Iterator
from typing import NamedTuple

from helpers._checks import check_int

__all__ = [
    "entity_tags",
    "grammar_stats",
    "is_grammatical",
    "split_sentences",
    "tiny_tales",
    "vocabulary",
]


def tiny_tales(n_chars: int, seed: int = 0) -> str:
    """Generate short stories until the text has at least `n_chars` characters.

    Stories are separated by a blank line ("\\n\\n") and the text always ends with a whole
    story, so it is at least `n_chars` long and overshoots by less than one story (a few
    hundred characters). The same seed gives the same text byte for byte, and a shorter text
    is a prefix of a longer one with the same seed.
    """
    check_int("n_chars", n_chars, low=1)
    check_int("seed", seed, low=0)
    rng = random.Random(int(seed))
    stories: list[str] = []
    length = -2  # the first story has no "\n\n" before it
    while length < n_chars:
        stories.append(" ".join(_sentence_text(s) for s in _story(rng)))
        length += len(stories[-1]) + 2
    return "\n\n".join(stories)


def is_grammatical(sentence: str) -> bool:
    """True when `sentence` is exactly one sentence the tiny-tales grammar can produce.

    The check is a recogniser, not a lookup: spacing and capitalisation must be canonical,
    every word must fill a slot of some pattern, and the slots must agree (a pronoun with the
    gender of the name it refers to, "a" vs "an", was/were with the subject, adjectives in
    size-before-color order, quotes balanced, "asked" only after a question, ...).
    """
    if not isinstance(sentence, str):
        raise ValueError(f"sentence must be a str, got {type(sentence).__name__}")
    sentence = sentence.strip()
    if not sentence.isascii():
        return False
    tokens = _tokenize(sentence)
    if not tokens or _detokenize(tokens) != sentence or tokens.count('"') % 2:
        return False
    forms = _surface_forms(tokens)
    for pattern in _PATTERNS_BY_FIRST.get(tokens[0].lower(), ()):
        for end, _ in _match(pattern, 0, tokens, forms, 0, {}):
            if end == len(tokens):
                return True
    return False


def split_sentences(text: str, complete_only: bool = False) -> list[str]:
    """Split story text (generated or sampled from a model) into sentences.

    A sentence ends at ".", "!" or "?", optionally followed by a closing quote, when the next
    word starts with a capital letter or an opening quote (so `"Where is it?" asked Mia.`
    stays one sentence), at a blank line, and at the end of the text. With `complete_only`,
    a trailing piece that does not end with such punctuation (a sample cut off mid-sentence)
    is dropped.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    sentences = []
    for paragraph in _BLANK_LINE.split(text):
        start = 0
        for end in _SENTENCE_END.finditer(paragraph):
            sentences.append(paragraph[start : end.end()].strip())
            start = end.end()
        rest = paragraph[start:].strip()
        if rest and not complete_only:
            sentences.append(rest)
    return [s for s in sentences if s]


def entity_tags(sentence: str) -> list[tuple[str, str]]:
    """Tokenize `sentence` and tag each token "PER" (person name), "LOC" (named place) or "O".

    Tokens are words, "'s" and single punctuation marks: "Mia's" -> ("Mia", "PER"), ("'s", "O").
    Places with a name ("Pine Lake") are LOC on every word; common places ("the park") are O.
    Tagging is a lexicon lookup (names as words, named places as whole capitalised phrases),
    exact on tiny-tales text because no name is also an ordinary word of the grammar.
    """
    if not isinstance(sentence, str):
        raise ValueError(f"sentence must be a str, got {type(sentence).__name__}")
    tokens = _tokenize(sentence)
    tags = ["PER" if t in _NAME_GENDER else "O" for t in tokens]
    for i in range(len(tokens)):
        for place in _NAMED_PLACES:
            if tuple(tokens[i : i + len(place)]) == place:
                tags[i : i + len(place)] = ["LOC"] * len(place)
    return list(zip(tokens, tags, strict=True))


def vocabulary() -> dict:
    """The grammar's word classes, for notebooks and tests (a fresh copy each call).

    Keys: "names" {name: "f" | "m" | "n"}, "pronouns" {gender: {case: word}} (cases subj, obj,
    poss, refl, and kid: girl/boy/child),
    "named_places" and "common_places" (lists of strings), "classes" {class: [entries]},
    "verbs" {base form: {form name: word}}.
    """
    return {
        "names": dict(_NAME_GENDER),
        "pronouns": {g: dict(cases) for g, cases in _PRONOUNS.items()},
        "named_places": [p for p in _CLASSES["place"] if p[0].isupper()],
        "common_places": [p for p in _CLASSES["place"] if not p[0].isupper()],
        "classes": {name: list(entries) for name, entries in _CLASSES.items()},
        "verbs": {base: dict(forms) for base, forms in _VERBS.items()},
    }


def grammar_stats() -> dict[str, int]:
    """Size of the grammar: story shapes, story roles, sentence patterns, vocabulary.

    "sentence_patterns" counts patterns as written (one dialogue line counts once);
    "surface_patterns" counts them after each dialogue line is expanded into its tag forms
    (`"...," said Mia.`, `"...," she said.`, `Mia said, "..."`); "vocabulary" counts the
    distinct words (case-folded, no punctuation) the grammar can produce.
    """
    words = set()
    for pattern in _PATTERNS:
        for symbol in pattern:
            words |= _symbol_words(symbol, first_only=False)
    return {
        "story_shapes": len(_SHAPES),
        "story_roles": len(_ROLES),
        "sentence_patterns": sum(len(frames) for frames in _ROLE_FRAMES.values()),
        "surface_patterns": len(_PATTERNS),
        "vocabulary": len({w.lower() for w in words if w[0].isalpha()}),
    }


# ---------------------------------------------------------------------------------------------
# The lexicon. American spelling, ASCII only. No person name is also an ordinary word (tests
# check this), so entity tags are a lookup.

_NAMES = {
    "f": "Mia Lily Emma Ava Zoe Ella Lucy Nora Ruby Anna Ivy Clara",
    "m": "Tom Ben Leo Max Jack Finn Noah Oscar Luke Owen Theo Eli",
    "n": "Alex Sam Robin Kit Riley Quinn Jordan Charlie",  # they/them
}
_NAME_GENDER = {name: g for g, names in _NAMES.items() for name in names.split()}

# person forms: subject, object, possessive, reflexive pronouns, and the word for the child
_PRONOUNS = {
    "f": {"subj": "she", "obj": "her", "poss": "her", "refl": "herself", "kid": "girl"},
    "m": {"subj": "he", "obj": "him", "poss": "his", "refl": "himself", "kid": "boy"},
    "n": {"subj": "they", "obj": "them", "poss": "their", "refl": "themselves", "kid": "child"},
}
_AGREEMENT = {"f": "sg", "m": "sg", "n": "pl"}  # singular "they" takes plural verbs

# One entry per line of text below is one class member; multiword members are fine. Members
# of the verb classes start with the verb's base form, which patterns inflect.
_CLASSES = {
    name: [e.strip() for e in entries.split(",")]
    for name, entries in {
        "trait": "kind, brave, curious, shy, clever, gentle, cheerful, quiet, friendly, eager, "
        "playful",
        "size": "big, small, tiny, huge, little",
        "color": "red, blue, green, yellow, orange, purple, pink, white, brown, black, gray, "
        "silver, golden",
        "toy": "ball, kite, doll, drum, boat, book, hat, teddy bear, truck, robot, balloon, "
        "umbrella, scarf, whistle, train, car, puzzle, airplane",
        "family": "mom, dad, grandma, grandpa, aunt, uncle",
        "spot": "under the bed, behind the door, in the toy box, under the table, on the shelf, "
        "behind the sofa, in the kitchen, under the stairs, in the closet, near the window, "
        "in the garden",
        "outside": "near the fence, under a bush, by the gate, behind the shed, on the porch",
        "place": "the park, the beach, the zoo, the farm, the lake, the river, the playground, "
        "the pond, the hill, the meadow, the market, Pine Lake, Maple Park, Willow Creek, "
        "Oak Hill, Sunny Bay, Fox Wood, Berry Farm, Misty Falls, Honey Meadow, Clover Hill",
        "shop": "the toy shop, the market, the gift shop, the store",
        "animal": "duck, frog, rabbit, squirrel, deer, fox, owl, swan, goat, turtle, butterfly, "
        "eagle, otter, snail",
        "pet": "puppy, kitten, bunny, hamster, parrot, piglet",
        "nature": "shell, stone, feather, leaf, flower, acorn, pinecone, stick",
        "food": "apple, cookie, sandwich, banana, pear, muffin, cupcake, peach, plum",
        "food_pl": "apples, cookies, sandwiches, grapes, berries, muffins, cherries, carrots",
        "sadfeel": "sad, lonely, worried, upset, grumpy",
        "weather": "sunny, windy, cold, warm, bright, snowy, cloudy",
        "daytime": "morning, afternoon, evening",
        "idea": "good, great, wonderful, clever, amazing, excellent, exciting",
        "material": "paper, clay, wood, yarn, cardboard",
        "number": "three, four, five, six, seven, eight",
        "said": "said, whispered",
        "shouted": "said, shouted, cried, yelled",
        # verb classes
        "act": "run, jump, dance, sing, swim, skip, hop, climb, splash, play, laugh",
        "task": "build a sand castle, climb the tall tree, fix an old bike, carry a heavy box, "
        "bake a big cake, plant some flowers, paint the fence, reach the top shelf",
        "plan": "have a picnic, fly kites, play ball, ride bikes, go swimming, pick berries, "
        "go fishing, play tag",
        "indoor": "build a blanket fort, bake cookies, draw funny pictures, read a book, "
        "play a board game, make paper boats, sing songs, do a puzzle",
    }.items()
}
_VERB_CLASSES = {"act", "task", "plan", "indoor"}
_NAMED_PLACES = [tuple(p.split()) for p in _CLASSES["place"] if p[0].isupper()]

# base, 3rd person singular, past, -ing ("-": no such form); "be" has more forms, added below.
_VERB_TABLE = """
    ask asks asked asking, bake bakes baked baking, begin begins began beginning,
    blow blows blew blowing, build builds built building, buy buys bought buying,
    call calls called calling, can - could -, carry carries carried carrying,
    climb climbs climbed climbing, come comes came coming, cry cries cried crying,
    dance dances danced dancing, decide decides decided deciding, do does did doing,
    draw draws drew drawing, dream dreams dreamed dreaming, drive drives drove driving,
    eat eats ate eating, fall falls fell falling, feel feels felt feeling,
    fill fills filled filling, find finds found finding, fix fixes fixed fixing,
    fly flies flew flying, follow follows followed following, give gives gave giving,
    go goes went going, have has had having, hear hears heard hearing,
    help helps helped helping, hop hops hopped hopping, hug hugs hugged hugging,
    jump jumps jumped jumping, keep keeps kept keeping, know knows knew knowing,
    laugh laughs laughed laughing, let lets let letting, lick licks licked licking,
    like likes liked liking, listen listens listened listening, live lives lived living,
    look looks looked looking, lose loses lost losing, love loves loved loving,
    make makes made making, name names named naming, need needs needed needing,
    open opens opened opening, pack packs packed packing, paint paints painted painting,
    pick picks picked picking, plan plans planned planning, plant plants planted planting,
    play plays played playing, rain rains rained raining, reach reaches reached reaching,
    read reads read reading, ride rides rode riding, roll rolls rolled rolling,
    run runs ran running, say says said saying, search searches searched searching,
    see sees saw seeing, share shares shared sharing, shout shouts shouted shouting,
    sigh sighs sighed sighing, sing sings sang singing, sit sits sat sitting,
    skip skips skipped skipping, sleep sleeps slept sleeping, smile smiles smiled smiling,
    splash splashes splashed splashing, stay stays stayed staying, stop stops stopped stopping,
    swim swims swam swimming, take takes took taking, thank thanks thanked thanking,
    think thinks thought thinking, tie ties tied tying, try tries tried trying,
    turn turns turned turning, unwrap unwraps unwrapped unwrapping,
    visit visits visited visiting, wait waits waited waiting, walk walks walked walking,
    want wants wanted wanting, whisper whispers whispered whispering, will - would -,
    work works worked working, worry worries worried worrying, wrap wraps wrapped wrapping,
    yell yells yelled yelling
"""
_VERBS = {
    forms.split()[0]: dict(zip(("base", "s", "past", "ing"), forms.split(), strict=True))
    for forms in _VERB_TABLE.split(",")
}
_VERBS["be"] = {"base": "be", "s": "is", "past": "was", "ing": "being", "am": "am", "are": "are"}
_VERBS["be"]["were"] = "were"

# ---------------------------------------------------------------------------------------------
# Sentence patterns. One string is one pattern; its tokens are separated by spaces:
#   word , . ! ? " 's   a literal token (the first word of the sentence and of a quotation is
#                       capitalised when rendered)
#   A                   "a" or "an", whichever fits the next word
#   <hero> <friend>     the name of a person of the cast (two persons never share a name)
#   <hero.subj>         that person's pronoun: .subj .obj .poss .refl, or .kid (girl/boy/child)
#   @hero               the subject: the name, or the subject pronoun where the pattern names
#                       no person and refers to no other person; sets the verb agreement
#   {be.past}           a verb that agrees with the subject before it (was/were)
#   <thing> <place> ... a cast variable: the same value everywhere in a story; <task.past> a
#                       cast variable of a verb class, inflected
#   [color] [act.past]  any member of a class (inflected for verb classes); two free slots of
#                       one class in a sentence take different members
#   (opener)            a sub-rule: one of its alternatives
# A pattern "friend says: <utterance>" (also "asks:", "shouts:") is a line of dialogue; it
# expands into `"U," said Tom.`, `"U," he said.` and `Tom said, "U."` (with ? and asked, or
# ! and shouted). The pronoun form is left out when the utterance names a person.

_VARIABLES = {
    "hero": "person",
    "friend": "person",
    "thing": "toy",
    "size": "size",
    "color": "color",
    "place": "place",
    "pet": "pet",
    "task": "task",
    "plan": "plan",
    "indoor": "indoor",
}

_RULES = {
    "opener": [
        "one day ,",
        "one [weather] [daytime] ,",
        "the next day ,",
        "after that ,",
        "later that day ,",
        "that [daytime] ,",
        "soon ,",
        "then ,",
        "a little later ,",
    ],
}

_ROLES = {
    "intro": [
        "once upon a time , there was A [trait] <hero.kid> named <hero> .",
        "there once was A [trait] <hero.kid> called <hero> who lived near <place> .",
        "<hero> was A [trait] <hero.kid> who loved to [act.base] .",
        "<hero> lived with <hero.poss> [family] in A [size] [color] house .",
        "<hero> was [number] years old and lived near <place> .",
    ],
    "own": [
        "@hero had A <size> <color> <thing> .",
        "<hero.poss> favorite toy was A <color> <thing> .",
        "<hero> 's favorite toy was A <size> <thing> .",
        "@hero loved <hero.poss> <color> <thing> more than anything .",
        "every day , @hero played with <hero.poss> <size> <color> <thing> .",
        "<hero.poss> [family] gave <hero.obj> A <color> <thing> for <hero.poss> birthday .",
    ],
    "lose": [
        "(opener) @hero could not find <hero.poss> <thing> .",
        "@hero looked [spot] , but the <thing> was not there .",
        "@hero looked [spot] and [spot] .",
        "the <color> <thing> was gone !",
        "<hero> searched the whole house for <hero.poss> <thing> .",
        "hero asks: where is my <thing>",
        "hero shouts: oh no , I lost my <color> <thing>",
    ],
    "sad": [
        "@hero {be.past} very sad .",
        "@hero sat down and began to cry .",
        "a big tear rolled down <hero.poss> cheek .",
        "@hero felt [sadfeel] and [sadfeel] .",
    ],
    "friend_comes": [
        "just then , <hero> 's friend <friend> came by .",
        "(opener) <friend> came to visit <hero> .",
        "<friend> saw <hero> and came over to help .",
        "<friend> heard <hero> crying and ran over .",
    ],
    "friend_offer": [
        "friend says: do not be sad , <hero>",
        "friend says: I will help you find it",
        "friend says: let 's look for your <thing> together",
        "friend asks: what is wrong , <hero>",
        "friend asks: can I help you",
        "friend shouts: do not worry , we will find it",
    ],
    "search": [
        "<hero> and <friend> looked [spot] .",
        "they looked [spot] and [spot] .",
        "they searched [spot] , but they did not find it .",
        "<hero> and <friend> looked everywhere for the <thing> .",
    ],
    "found": [
        "at last , <friend> found the <thing> [spot] !",
        "(opener) @friend saw something <color> [spot] .",
        "it was <hero> 's <color> <thing> !",
        "the <thing> was [spot] all along !",
        "friend shouts: I found it",
        "friend shouts: look , here is your <thing>",
    ],
    "thanks": [
        "hero shouts: thank you , <friend>",
        "hero says: you are the best friend ever",
        "hero says: thank you for helping me , <friend>",
        "<hero> hugged <friend> and thanked <friend.obj> .",
    ],
    "found_end": [
        "<hero> and <friend> played with the <thing> all day .",
        "from that day on , <hero> always kept <hero.poss> <thing> safe .",
        "@hero {be.past} so happy to have <hero.poss> <thing> back .",
        "that night , @hero went to sleep with <hero.poss> <thing> .",
    ],
    "trip_plan": [
        "(opener) <hero> wanted to go to <place> with <friend> .",
        "<hero> and <friend> decided to go to <place> .",
        "<hero> asked <friend> to come to <place> with <hero.obj> .",
        "hero says: <friend> , let 's go to <place> today",
        "hero asks: <friend> , do you want to come to <place>",
    ],
    "trip_go": [
        "they walked to <place> together .",
        "<hero> and <friend> rode their bikes to <place> .",
        "the sun was warm , and the sky was blue .",
        "on the way , they saw A [size] [animal] .",
        "<hero> 's [family] drove them to <place> in A [color] car .",
    ],
    "trip_fun": [
        "at <place> , they [act.past] and [act.past] .",
        "<hero> [act.past] while <friend> [act.past] .",
        "<friend> found A [size] [color] [nature] .",
        "they saw A [animal] near the water .",
        "friend shouts: look , A [size] [animal]",
        "hero asks: can we stay here all day",
        "they sat on the grass and ate [food_pl] .",
        "<hero> shared <hero.poss> [food] with <friend> .",
        "hero says: I love <place>",
    ],
    "trip_home": [
        "when the sun went down , they walked home .",
        "(opener) it was time to go home .",
        "<hero> and <friend> were tired but happy .",
        "hero says: this was the best day ever",
        "that night , @hero dreamed about <place> .",
    ],
    "task_want": [
        "(opener) @hero wanted to <task.base> .",
        "<hero> had a plan to <task.base> .",
        "hero says: today I will <task.base>",
    ],
    "task_try": [
        "@hero tried and tried , but it was too hard .",
        "@hero tried to <task.base> , but <hero.subj> could not do it alone .",
        "it was too hard for <hero.obj> to do alone .",
        "<hero> sighed and sat down .",
    ],
    "task_offer": [
        "friend asks: can I help you , <hero>",
        "friend says: we can do it together",
        "friend says: two hands are better than one",
        "friend asks: do you need some help",
    ],
    "task_done": [
        "together , <hero> and <friend> <task.past> .",
        "they worked hard , and soon they were done .",
        "with <friend> 's help , <hero> could <task.base> at last .",
        "it was much easier with two !",
    ],
    "task_end": [
        "@hero felt proud of <hero.refl> .",
        "<hero> and <friend> smiled at each other .",
        "hero says: we make a great team",
        "from then on , <hero> and <friend> did everything together .",
    ],
    "plan": [
        "(opener) <hero> and <friend> wanted to <plan.base> at <place> .",
        "<hero> planned to <plan.base> with <friend> .",
        "hero says: <friend> , let 's <plan.base> at <place>",
    ],
    "plan_pack": [
        "@hero packed A [size] basket with [food_pl] .",
        "the sky was clear and blue .",
    ],
    "weather_turn": [
        "but then , dark clouds filled the sky .",
        "soon , it began to rain .",
        "the wind blew hard , and the sky turned gray .",
        "a loud clap of thunder made <hero> jump .",
        "big drops of rain fell on the window .",
    ],
    "weather_sad": [
        "@hero {be.past} sad because <hero.subj> could not <plan.base> .",
        "hero says: now we cannot <plan.base>",
        "<hero> looked out of the window with A [sadfeel] face .",
    ],
    "weather_idea": [
        "friend says: we can <indoor.base> inside",
        "friend asks: what if we <indoor.base> instead",
        "friend shouts: I know , let 's <indoor.base>",
        "(opener) <friend> had A [idea] idea .",
    ],
    "weather_indoor": [
        "so they <indoor.past> in the living room .",
        "they <indoor.past> and listened to the rain .",
        "<hero> 's [family] made hot cocoa for them .",
        "<hero> and <friend> laughed and had lots of fun .",
    ],
    "weather_end": [
        "in the end , the rainy day was fun too .",
        "hero says: rainy days can be fun too",
        "when the rain stopped , a rainbow came out .",
        "the next day , the sun came back , and they could <plan.base> after all .",
    ],
    "gift_setup": [
        "soon it would be <friend> 's birthday , and <hero> wanted to give <friend.obj> a gift .",
        "(opener) <hero> wanted to give <hero.poss> friend <friend> a special gift .",
        "<hero> 's best friend <friend> had a birthday coming soon .",
    ],
    "gift_think": [
        "<hero> thought and thought about what to give <friend> .",
        "hero asks: what does <friend> like",
        "<hero> knew that <friend> loved the color <color> .",
    ],
    "gift_make": [
        "so @hero went to [shop] and bought A <size> <color> <thing> .",
        "@hero made A <color> <thing> out of [material] .",
    ],
    "gift_wrap": [
        "@hero wrapped the gift in [color] paper .",
        "@hero tied the gift with A [color] ribbon .",
    ],
    "gift_give": [
        "(opener) <hero> gave the gift to <friend> .",
        "hero shouts: happy birthday , <friend>",
        "hero says: this is for you , <friend>",
    ],
    "gift_open": [
        "<friend> opened the box and found A <size> <color> <thing> .",
        "<friend> unwrapped the gift and found A <color> <thing> inside .",
        "inside the box was A <size> <color> <thing> .",
    ],
    "gift_react": [
        "friend shouts: I love it",
        "friend says: it is the best gift ever",
        "<friend> gave <hero> a big hug .",
        "<friend> smiled from ear to ear .",
    ],
    "gift_end": [
        "@hero felt warm and happy inside .",
        "from then on , <friend> took the <thing> everywhere .",
        "<hero> and <friend> played with the new <thing> until dinner .",
    ],
    "pet_find": [
        "(opener) @hero found A [size] <pet> [outside] .",
        "(opener) @hero saw A [size] [color] <pet> [outside] .",
        "<hero> heard a soft noise and found A [size] <pet> [outside] .",
    ],
    "pet_state": [
        "the <pet> was cold and hungry .",
        "the poor <pet> looked lost and scared .",
        "hero asks: where is your home , little <pet>",
    ],
    "pet_care": [
        "@hero gave the <pet> some milk and a warm blanket .",
        "<hero> carried the <pet> home in <hero.poss> arms .",
        "<hero.poss> [family] said that <hero.subj> could keep the <pet> .",
        "hero asks: can I keep it , please",
    ],
    "pet_friends": [
        "the <pet> licked <hero> 's hand .",
        "soon , the <pet> and <hero> were best friends .",
        "the <pet> followed <hero> everywhere .",
    ],
    "pet_end": [
        "now @hero had a new friend .",
        "every day , @hero played with the <pet> .",
        "the <pet> slept at the end of <hero.poss> bed every night .",
    ],
    "the_end": ["the end ."],
}

# Story shapes: roles in order; "?" marks a role that is present in about half the stories.
_SHAPES = {
    "lost_and_found": "intro own own? lose lose? sad friend_comes friend_offer search found "
    "thanks found_end the_end?",
    "trip": "intro trip_plan trip_go trip_go? trip_fun trip_fun trip_fun? trip_home trip_home? "
    "the_end?",
    "friend_helps": "intro task_want task_try sad? friend_comes task_offer task_done thanks? "
    "task_end the_end?",
    "weather_changes_plans": "intro plan plan_pack? weather_turn weather_turn? weather_sad "
    "weather_idea weather_indoor weather_indoor? weather_end the_end?",
    "gift": "intro gift_setup gift_think gift_make gift_wrap? gift_give gift_open gift_react "
    "gift_end the_end?",
    "new_pet": "intro pet_find pet_state pet_care pet_care? pet_friends pet_end the_end?",
}

_DIALOGUE = re.compile(r"^(\w+) (says|asks|shouts): (.+)$")
_DIALOGUE_FORMS = {  # S is the speaker. Quote end, inverted tag, pronoun tag, then the
    # name-first tag and its quote end.
    "says": (",", '" [said] <S> .', '" <S.subj> [said] .', "@S [said] ,", "."),
    "asks": ("?", '" asked <S> .', '" <S.subj> asked .', "@S asked ,", "?"),
    "shouts": ("!", '" [shouted] <S> .', '" <S.subj> [shouted] .', "@S [shouted] ,", "!"),
}


# ---------------------------------------------------------------------------------------------
# Compiling patterns into symbols.


class _Sym(NamedTuple):
    """One slot of a pattern. kind is one of: lit, art, name, pron, subj, var, free, verb, ref."""

    kind: str
    arg: str  # the literal word, variable, class, verb or rule name
    form: str = ""  # pronoun case, verb form, or class inflection
    pronoun_ok: bool = False  # subj only: may be rendered as a pronoun


class _Entry(NamedTuple):
    """One member of a class, rendered: its key (the member as written) and its tokens."""

    key: str
    tokens: tuple[str, ...]
    tag: str  # "LOC" for named places, else "O"


def _parse_symbol(text: str) -> _Sym:
    if text == "A":
        return _Sym("art", "A")
    if text[0] == "(":
        return _Sym("ref", text[1:-1])
    if text[0] == "{":
        verb, form = text[1:-1].split(".")
        return _Sym("verb", verb, form)
    if text[0] in "[<@":
        name, _, form = text.strip("[]<>@").partition(".")
        if text[0] == "[":
            return _Sym("free", name, form)
        if _VARIABLES[name] != "person":
            return _Sym("var", name, form)
        if text[0] == "@":
            return _Sym("subj", name)
        return _Sym("pron", name, form) if form else _Sym("name", name)
    return _Sym("lit", text)


def _compile(pattern: str) -> tuple[_Sym, ...]:
    """Parse one pattern string, decide where @x may be a pronoun, and validate it."""
    symbols = [_parse_symbol(t) for t in pattern.split()]
    persons = {s.arg for s in symbols if s.kind in ("name", "pron", "subj")}
    has_name = any(s.kind == "name" for s in symbols)
    symbols = [
        s._replace(pronoun_ok=not has_name and len(persons) == 1) if s.kind == "subj" else s
        for s in symbols
    ]
    named = {s.arg for s in symbols if s.kind == "name" or (s.kind == "subj" and not s.pronoun_ok)}
    for i, s in enumerate(symbols):
        if s.kind == "pron" and named and s.arg not in named:
            raise ValueError(f"pronoun of an unnamed person in a named pattern: {pattern!r}")
        if s.kind == "verb" and (s.arg not in _VERBS or s.form not in ("pres", "past")):
            raise ValueError(f"agreeing verbs are {{verb.pres}} or {{verb.past}}: {pattern!r}")
        if s.kind == "verb" and not any(
            p.kind == "subj" or (p.kind == "pron" and p.form == "subj") for p in symbols[:i]
        ):
            raise ValueError(f"agreeing verb without a subject before it: {pattern!r}")
        if s.kind in ("var", "free"):
            _entries(_VARIABLES.get(s.arg, s.arg) if s.kind == "var" else s.arg, s.form)
        if s.kind == "ref" and s.arg not in _RULES:
            raise ValueError(f"unknown rule ({s.arg}) in {pattern!r}")
    return tuple(symbols)


def _expand(line: str) -> list[str]:
    """A pattern as written -> its surface patterns (dialogue lines get their tag forms)."""
    dialogue = _DIALOGUE.match(line)
    if dialogue is None:
        return [line]
    speaker, verb, utterance = dialogue.groups()
    end, inverted, pronoun, name_first, end_there = (
        part.replace("S", speaker) for part in _DIALOGUE_FORMS[verb]
    )
    forms = [f'" {utterance} {end} {inverted}', f'{name_first} " {utterance} {end_there} "']
    if "<" not in utterance:  # no person named inside the quote
        forms.insert(1, f'" {utterance} {end} {pronoun}')
    return forms


def _entries(cls: str, form: str = "") -> list[_Entry]:
    """The members of a class as rendered tokens; verb classes inflect their first word."""
    key = (cls, form)
    if key not in _ENTRY_CACHE:
        if form and cls not in _VERB_CLASSES:
            raise ValueError(f"class [{cls}] has no forms, got .{form}")
        entries = []
        for member in _CLASSES[cls]:
            words = member.split()
            if cls in _VERB_CLASSES:
                words[0] = _VERBS[words[0]][form or "base"]
            tag = "LOC" if cls == "place" and member[0].isupper() else "O"
            entries.append(_Entry(member, tuple(words), tag))
        _ENTRY_CACHE[key] = entries
    return _ENTRY_CACHE[key]


def _entry_index(cls: str, form: str) -> dict[str, list[_Entry]]:
    """The members of a class by their first word, lowercased (for the recogniser)."""
    key = (cls, form)
    if key not in _ENTRY_INDEX:
        _ENTRY_INDEX[key] = {}
        for e in _entries(cls, form):
            _ENTRY_INDEX[key].setdefault(e.tokens[0].lower(), []).append(e)
    return _ENTRY_INDEX[key]


_ENTRY_CACHE: dict[tuple[str, str], list[_Entry]] = {}
_ENTRY_INDEX: dict[tuple[str, str], dict[str, list[_Entry]]] = {}


def _agree(verb: str, form: str, agreement: str) -> str:
    """`verb` in tense `form` ("pres" or "past") agreeing with a "sg" or "pl" subject."""
    singular = agreement == "sg"
    if verb == "be":
        return {"pres": ("is", "are"), "past": ("was", "were")}[form][not singular]
    if form == "pres":
        return _VERBS[verb]["s" if singular else "base"]
    return _VERBS[verb]["past"]


def _symbol_words(sym: _Sym, first_only: bool) -> set[str]:
    """Every word `sym` can render (or only the first word of each rendering)."""
    if sym.kind == "lit":
        return {sym.arg}
    if sym.kind == "art":
        return {"a", "an"}
    if sym.kind in ("name", "subj"):
        names = set(_NAME_GENDER)
        if sym.kind == "subj" and sym.pronoun_ok:
            names |= {p["subj"] for p in _PRONOUNS.values()}
        return names
    if sym.kind == "pron":
        return {p[sym.form] for p in _PRONOUNS.values()}
    if sym.kind == "verb":
        return {_agree(sym.arg, sym.form, a) for a in ("sg", "pl")}
    if sym.kind == "ref":
        return set().union(
            *(
                _symbol_words(alt[0], True) if first_only else _pattern_words(alt)
                for alt in _COMPILED_RULES[sym.arg]
            )
        )
    cls = _VARIABLES[sym.arg] if sym.kind == "var" else sym.arg
    entries = _entries(cls, sym.form)
    return {w for e in entries for w in (e.tokens[:1] if first_only else e.tokens)}


def _pattern_words(pattern: tuple[_Sym, ...]) -> set[str]:
    return set().union(*(_symbol_words(s, first_only=False) for s in pattern))


# ---------------------------------------------------------------------------------------------
# Generation.


def _story(rng: random.Random) -> list[list[tuple[str, str]]]:
    """One story as tagged sentences: each a list of (token, tag) before capitalisation."""
    hero_gender = rng.choice(("f", "f", "m", "m", "n"))
    hero = rng.choice(_NAMES[hero_gender].split())
    friend_gender = rng.choice(("f", "f", "m", "m", "n"))
    friend = rng.choice([n for n in _NAMES[friend_gender].split() if n != hero])
    cast: dict[str, object] = {"hero": (hero, hero_gender), "friend": (friend, friend_gender)}
    for var, cls in _VARIABLES.items():
        if cls != "person":
            cast[var] = rng.choice(_CLASSES[cls])
    shape = _SHAPES[rng.choice(list(_SHAPES))]
    sentences, used = [], set()
    for role in shape.split():
        if role.endswith("?"):
            role = role[:-1]
            if rng.random() < 0.5:
                continue
        n_frames = len(_ROLE_FRAMES[role])
        fresh = [i for i in range(n_frames) if (role, i) not in used] or list(range(n_frames))
        i = rng.choice(fresh)  # a role that comes twice uses two different patterns
        used.add((role, i))
        tokens: list[tuple[str, str]] = []
        _render(rng.choice(_ROLE_FRAMES[role][i]), cast, rng, tokens, {"used": set()})
        sentences.append(tokens)
    return sentences


def _render(
    pattern: tuple[_Sym, ...],
    cast: dict,
    rng: random.Random,
    out: list[tuple[str, str]],
    state: dict,
) -> None:
    """Append one rendering of `pattern` to `out` as (token, tag) pairs.

    cast: the story's bindings (person -> (name, gender), other variable -> class member);
    state: this sentence's verb agreement and the free-slot members already used.
    """
    for sym in pattern:
        kind = sym.kind
        if kind == "lit":
            out.append((sym.arg, "O"))
        elif kind == "art":
            out.append((_ARTICLE, "O"))  # resolved in _sentence_text, once the next word is known
        elif kind == "ref":
            _render(rng.choice(_COMPILED_RULES[sym.arg]), cast, rng, out, state)
        elif kind in ("name", "pron", "subj"):
            name, gender = cast[sym.arg]
            if kind == "subj" and sym.pronoun_ok and rng.random() < 0.5:
                kind, sym = "pron", sym._replace(form="subj")
            if kind == "pron":
                out.append((_PRONOUNS[gender][sym.form], "O"))
                if sym.form == "subj":
                    state["agreement"] = _AGREEMENT[gender]
            else:
                out.append((name, "PER"))
                if kind == "subj":
                    state["agreement"] = "sg"
        elif kind == "verb":
            out.append((_agree(sym.arg, sym.form, state["agreement"]), "O"))
        elif kind == "var":
            cls = _VARIABLES[sym.arg]
            entry = next(e for e in _entries(cls, sym.form) if e.key == cast[sym.arg])
            out.extend((t, entry.tag) for t in entry.tokens)
        else:  # free
            options = [
                e for e in _entries(sym.arg, sym.form) if (sym.arg, e.key) not in state["used"]
            ]
            entry = rng.choice(options)
            state["used"].add((sym.arg, entry.key))
            out.extend((t, entry.tag) for t in entry.tokens)


_ARTICLE = "<a/an>"


def _sentence_text(tagged: list[tuple[str, str]]) -> str:
    """Resolve a/an, capitalise the first word of the sentence and of quotes, join tokens."""
    tokens = [t for t, _ in tagged]
    for i, t in enumerate(tokens):
        if t == _ARTICLE:
            tokens[i] = "an" if tokens[i + 1][0].lower() in "aeiou" else "a"
    for i in _initial_positions(tokens):
        tokens[i] = tokens[i][0].upper() + tokens[i][1:]
    return _detokenize(tokens)


# ---------------------------------------------------------------------------------------------
# Tokens and text.

_TOKEN = re.compile(r"[A-Za-z]+|'s(?![A-Za-z])|\S")
_NO_SPACE_BEFORE = {",", ".", "!", "?", "'s"}
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r'[.!?]"?(?=\s+["A-Z]|\s*$)')


def _tokenize(text: str) -> list[str]:
    """Words, "'s" and single non-space characters: 'Mia's kite.' -> Mia 's kite ."""
    return _TOKEN.findall(text)


def _detokenize(tokens: list[str]) -> str:
    """Join tokens with canonical spacing: no space before , . ! ? 's or a closing quote,
    none after an opening quote."""
    text, quote_open, glue = "", False, True
    for t in tokens:
        closing = t == '"' and quote_open
        if not (glue or t in _NO_SPACE_BEFORE or closing):
            text += " "
        text += t
        if t == '"':
            quote_open = not quote_open
        glue = t == '"' and quote_open
    return text


def _initial_positions(tokens: list[str]) -> list[int]:
    """Where a capital letter is due: the first token and the first token inside each quote."""
    positions, quote_open = [0], False
    for i, t in enumerate(tokens):
        if t == '"':
            quote_open = not quote_open
            if quote_open and i + 1 < len(tokens):
                positions.append(i + 1)
    return positions


# ---------------------------------------------------------------------------------------------
# Recognition: backtracking over the same symbols the generator renders.


def _surface_forms(tokens: list[str]) -> list[tuple[str, ...]]:
    """The lexicon words each token may stand for: itself, and at a capitalised position also
    its lowercased form; a lowercase token where a capital is due matches nothing."""
    forms = [(t,) for t in tokens]
    for i in _initial_positions(tokens):
        t = tokens[i]
        if t[0].isalpha():
            forms[i] = (t, t[0].lower() + t[1:]) if t[0].isupper() else ()
    return forms


def _match(pattern, k: int, tokens, forms, pos: int, env: dict) -> Iterator[tuple[int, dict]]:
    """Yield (end position, bindings) for every way pattern[k:] matches tokens[pos:]."""
    if k == len(pattern):
        yield pos, env
        return
    for pos2, env2 in _match_symbol(pattern[k], tokens, forms, pos, env):
        yield from _match(pattern, k + 1, tokens, forms, pos2, env2)


def _match_symbol(sym: _Sym, tokens, forms, pos: int, env: dict) -> Iterator[tuple[int, dict]]:
    if pos >= len(tokens):
        return
    here = forms[pos]
    kind = sym.kind
    if kind == "lit":
        if sym.arg in here:
            yield pos + 1, env
    elif kind == "art":
        if pos + 1 < len(tokens):
            wanted = "an" if tokens[pos + 1][0].lower() in "aeiou" else "a"
            if wanted in here:
                yield pos + 1, env
    elif kind == "ref":
        for alternative in _COMPILED_RULES[sym.arg]:
            yield from _match(alternative, 0, tokens, forms, pos, env)
    elif kind in ("name", "subj"):
        name = tokens[pos]
        gender = _NAME_GENDER.get(name)
        if gender is not None and _person_fits(env, sym.arg, gender, name):
            env2 = {**env, sym.arg: (name, gender)}
            if kind == "subj":
                env2["agreement"] = "sg"
            yield pos + 1, env2
        if kind == "subj" and sym.pronoun_ok:
            yield from _match_symbol(
                sym._replace(kind="pron", form="subj"), tokens, forms, pos, env
            )
    elif kind == "pron":
        for gender, cases in _PRONOUNS.items():
            if cases[sym.form] in here and _person_fits(env, sym.arg, gender, None):
                bound = env.get(sym.arg, (None, gender))
                env2 = {**env, sym.arg: bound}
                if sym.form == "subj":
                    env2["agreement"] = _AGREEMENT[gender]
                yield pos + 1, env2
    elif kind == "verb":
        if _agree(sym.arg, sym.form, env["agreement"]) in here:
            yield pos + 1, env
    else:  # var or free
        cls = _VARIABLES[sym.arg] if kind == "var" else sym.arg
        index = _entry_index(cls, sym.form)
        for word in dict.fromkeys(w.lower() for w in here):
            for entry in index.get(word, ()):
                end = pos + len(entry.tokens)
                if end > len(tokens) or any(
                    w not in forms[pos + i] for i, w in enumerate(entry.tokens)
                ):
                    continue
                if kind == "var":
                    if env.get(sym.arg, entry.key) == entry.key:
                        yield end, {**env, sym.arg: entry.key}
                elif (cls, entry.key) not in env.get("used", ()):
                    yield end, {**env, "used": env.get("used", frozenset()) | {(cls, entry.key)}}


def _person_fits(env: dict, var: str, gender: str, name: str | None) -> bool:
    """Can person `var` be (name, gender) given the bindings so far? Two persons never share
    a name; a person's pronouns and name share one gender."""
    bound_name, bound_gender = env.get(var, (None, gender))
    if bound_gender != gender or (name and bound_name not in (None, name)):
        return False
    others = (v for v, kind in _VARIABLES.items() if kind == "person" and v != var)
    return not (name and any(env.get(o, (None,))[0] == name for o in others))


# ---------------------------------------------------------------------------------------------
# Compile the grammar once, at import.

_COMPILED_RULES = {name: [_compile(p) for p in alts] for name, alts in _RULES.items()}
for _alternatives in _COMPILED_RULES.values():
    if any(s.kind in ("name", "pron", "subj") for alt in _alternatives for s in alt):
        raise ValueError("sub-rules may not refer to persons")
_ROLE_FRAMES = {
    role: [[_compile(p) for p in _expand(line)] for line in lines] for role, lines in _ROLES.items()
}
_PATTERNS = list({p: None for frames in _ROLE_FRAMES.values() for f in frames for p in f})
_PATTERNS_BY_FIRST: dict[str, list[tuple[_Sym, ...]]] = {}
for _pattern in _PATTERNS:
    for _word in _symbol_words(_pattern[0], first_only=True):
        _PATTERNS_BY_FIRST.setdefault(_word.lower(), []).append(_pattern)
