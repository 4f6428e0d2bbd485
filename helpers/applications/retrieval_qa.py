"""Question answering by retrieval: find the passage, then the sentence, that answers a question
(notebook 10). "Embeddings for search" in practice.

Every passage and every sentence is embedded once with MiniLM; a question is embedded and
compared by cosine similarity, first to pick a passage (which document?), then with the
sentences of that passage (where in it?). A passage is scored by its own vector, by its best
sentence, or by both added up: averaging a whole passage into one vector blurs it, while its
best sentence alone can match a question by chance. Nothing is generated: the answer is a sentence
that already exists, which is why retrieval is also how chat models are given facts they were
not trained on (retrieval-augmented generation: the retrieved passage goes into the prompt).

The passages are short notes on this course, written for it; QUESTIONS pairs questions
(worded differently from the notes) with the passage that answers them.
"""

import re
from dataclasses import dataclass

import torch

from helpers.embeddings import sentence_embeddings

PASSAGES = {
    "tokenization": (
        "A language model never reads letters. Text is first cut into tokens, and each token "
        "is replaced by a number from a fixed vocabulary. Byte pair encoding builds that "
        "vocabulary by merging the most frequent pair of neighbouring pieces again and again. "
        "GPT-4's tokenizer knows about a hundred thousand tokens."
    ),
    "embeddings": (
        "An embedding is a list of numbers that stands for a token or a sentence. Sentences "
        "with similar meanings get vectors that point in similar directions, so cosine "
        "similarity measures how related two texts are. Search engines and recommendation "
        "systems compare these vectors to find items like the ones you asked for."
    ),
    "bottleneck": (
        "The first neural translators read a sentence with a recurrent network and squeezed "
        "it into a single vector before writing the translation. Long sentences do not fit "
        "in one vector, so their accuracy falls as they grow. It is the end of a long "
        "translation that goes wrong, not its start: the decoder must carry the sentence "
        "through many steps of writing, and each wrong word it writes pushes the next ones "
        "off track."
    ),
    "attention": (
        "Attention lets the decoder look back at every word of the source sentence while it "
        "writes each word of the translation. It scores each source word, turns the scores "
        "into weights with a softmax, and takes a weighted average. A heatmap of the weights "
        "shows which source word each output word was translated from."
    ),
    "self-attention": (
        "In self-attention every token of a sentence looks at every other token of the same "
        "sentence. Each token makes a query, a key and a value; the query of one token is "
        "compared with the keys of all tokens, and the values are mixed by those scores. "
        "This is how the word bank gets a different meaning next to river than next to money."
    ),
    "transformer block": (
        "A transformer block runs several attention heads side by side, then a small "
        "feed-forward network on every position, with residual connections and layer "
        "normalisation around both. Because attention itself ignores word order, positional "
        "encodings are added to the token embeddings. All positions are processed at once, "
        "which makes training fast on parallel hardware."
    ),
    "gpt": (
        "A GPT is a stack of transformer blocks that predicts the next token. A causal mask "
        "stops each position from looking at later positions, so the model cannot cheat by "
        "reading the word it must predict. It is trained on plain unlabelled text: the target "
        "at every position is simply the token that comes next."
    ),
    "sampling controls": (
        "A language model gives a probability for every possible next token, and sampling "
        "picks one. Temperature sharpens or flattens the distribution; top-k keeps only the "
        "k most likely tokens and top-p keeps the smallest set whose probabilities add up to "
        "p. Max tokens limits the length of the answer, and the context window limits how "
        "much text the model can read at once."
    ),
    "foundation models": (
        "A foundation model is a large model pretrained on a huge amount of data that many "
        "applications reuse instead of training their own. Examples are GPT, Claude, Llama, "
        "Amazon Titan and Nova, and Stable Diffusion for images. One adapts them with prompts, "
        "with a little fine-tuning on one's own examples, or by adding retrieved documents to "
        "the prompt."
    ),
    "aws services": (
        "Amazon Bedrock serves foundation models behind one API: the Converse operation takes "
        "a list of messages and an inference configuration with temperature, topP and "
        "maxTokens. SageMaker JumpStart deploys an open model such as Llama or Mistral to an "
        "endpoint in your own account, which you then call with invoke_endpoint and pay for "
        "while it runs."
    ),
}

QUESTIONS = (
    ("How does a model turn text into numbers?", "tokenization"),
    ("Why do old translation systems get the end of long sentences wrong?", "bottleneck"),
    ("How can I find documents that mean the same thing as my query?", "embeddings"),
    ("Which input word did the translator use for each output word?", "attention"),
    ("How does a word get a different meaning depending on its neighbours?", "self-attention"),
    ("Why is word order added to the input?", "transformer block"),
    ("Why can't the model peek at the answer during training?", "gpt"),
    ("How do I make the generated text more random or more predictable?", "sampling controls"),
    ("What are large pretrained models that everyone builds on?", "foundation models"),
    ("Where do I set the temperature when I call a model on AWS?", "aws services"),
    ("What limits how long a reply can be?", "sampling controls"),
    ("What data does a GPT learn from?", "gpt"),
)


@dataclass(frozen=True)
class Answer:
    """The best passage for a question and its best sentence, with cosine similarities."""

    title: str
    passage_score: float  # the passage's score under the scoring used
    sentence: str
    sentence_score: float
    ranking: list[tuple[str, float]]  # every passage title with its score, best first


class RetrievalQA:
    """Answer questions by finding the closest passage and, inside it, the closest sentence."""

    def __init__(self, passages: dict[str, str] | None = None):
        self.passages = dict(PASSAGES if passages is None else passages)
        if not self.passages:
            raise ValueError("passages must be a non-empty dict {title: text}")
        self.titles = list(self.passages)
        self.sentences = {t: split_into_sentences(p) for t, p in self.passages.items()}
        flat = [s for t in self.titles for s in self.sentences[t]]
        vectors = sentence_embeddings(list(self.passages.values()) + flat)
        self.passage_vectors = vectors[: len(self.titles)]  # (P, 384)
        self.sentence_vectors = vectors[len(self.titles) :]  # (S, 384)
        self.sentence_owner = [t for t in self.titles for _ in self.sentences[t]]

    def scores(self, questions: list[str]) -> dict[str, torch.Tensor]:
        """Three ways to score each passage for each question, each (n_questions, P):
        "passage" (the whole passage's vector), "sentence" (its best sentence) and "both"
        (their sum)."""
        if isinstance(questions, str) or not questions:
            raise ValueError("questions must be a non-empty list of strings")
        if any(not isinstance(q, str) or not q.strip() for q in questions):
            raise ValueError("each question must be a non-empty string")
        q = sentence_embeddings(list(questions))  # (Q, 384)
        passage = q @ self.passage_vectors.T  # (Q, P): cosine similarities (unit vectors)
        sentence = q @ self.sentence_vectors.T  # (Q, S)
        best_sentence = torch.stack(
            [sentence[:, self._rows(t)].max(dim=1).values for t in self.titles], dim=1
        )  # (Q, P)
        return {"passage": passage, "sentence": best_sentence, "both": passage + best_sentence}

    def answer(self, question: str, scoring: str = "both") -> Answer:
        """The best passage for `question` under `scoring`, and its closest sentence."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError("question must be a non-empty string")
        all_scores = self.scores([question])
        if scoring not in all_scores:
            raise ValueError(f"scoring must be one of {sorted(all_scores)}, got {scoring!r}")
        scores = all_scores[scoring][0]  # (P,)
        order = torch.argsort(scores, descending=True, stable=True).tolist()
        best = self.titles[order[0]]
        q = sentence_embeddings([question])[0]
        sentence_scores = self.sentence_vectors[self._rows(best)] @ q
        k = int(sentence_scores.argmax())
        return Answer(
            title=best,
            passage_score=round(float(scores[order[0]]), 4),
            sentence=self.sentences[best][k],
            sentence_score=round(float(sentence_scores[k]), 4),
            ranking=[(self.titles[i], round(float(scores[i]), 4)) for i in order],
        )

    def retrieval_accuracy(self, questions=QUESTIONS) -> dict[str, float]:
        """For each scoring, the share of (question, title) pairs whose best passage is title."""
        scores = self.scores([q for q, _ in questions])
        expected = torch.tensor([self.titles.index(t) for _, t in questions])
        return {
            name: float((s.argmax(dim=1) == expected).float().mean()) for name, s in scores.items()
        }

    def _rows(self, title: str) -> list[int]:
        return [i for i, t in enumerate(self.sentence_owner) if t == title]


def split_into_sentences(text: str) -> list[str]:
    """Sentences of a passage: split after ".", "!" or "?" followed by a space."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
