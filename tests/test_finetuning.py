"""Notebook 11's helpers: the story-question task, the LoRA layer, the peft path (offline), the
masked loss, bad input, the shipped adapter and study, and the two exercises."""

import json

import pytest
import torch
from torch import nn

from helpers import checkpoints
from helpers import finetuning as ft
from helpers.corpora import is_grammatical, split_sentences
from helpers.corpora.story_qa import answer_is_correct, held_out_words, story_qa
from helpers.exercises import evaluate
from helpers.gpt import GPT, GPTConfig
from helpers.gpt_interop import to_transformers
from helpers.tokenization import load_tokenizer


def test_story_questions_are_seeded_grammatical_and_answers_are_copied():
    examples = story_qa(40, "train", seed=0)
    assert examples == story_qa(40, "train", seed=0)
    assert {e.kind for e in examples} == {"who_had", "who_found", "color", "place"}
    for e in examples:
        story = e.prompt.split("\n")[0].removeprefix("Story: ")
        assert all(is_grammatical(s) for s in split_sentences(story))
        assert e.answer.startswith(" ") and e.answer.endswith(".")
        assert e.answer[1:-1] in story  # the answer is in the story: it must be copied


def test_held_out_examples_ask_what_training_never_showed():
    held = held_out_words(0)
    train = story_qa(2000, "train", seed=0)
    held_out = story_qa(200, "held_out", seed=0)
    train_answers = {(e.kind, e.answer) for e in train}
    assert not {(e.kind, e.answer) for e in held_out if e.kind.startswith("who")} & train_answers
    for e in train:
        if e.kind.startswith("who"):
            assert e.answer[1:-1] not in held["name"]
    for e in held_out:
        word = e.answer[1:-1]
        if e.kind.startswith("who"):
            assert word in held["name"]
        else:
            question = e.prompt.split("Question: ")[1].split("?")[0]
            if e.kind == "color":  # "What color was the kite?"
                toy = question.split(" ")[-1]
                assert word in held["color"][toy]
                assert not any(f" {word} {toy} " in t.prompt or f" {word} {toy}." in t.prompt
                               for t in train)  # fmt: skip


def test_checker_is_exact():
    assert answer_is_correct(" Tom.<|endoftext|>", " Tom.")
    assert not answer_is_correct(" tom.", " Tom.")
    assert not answer_is_correct(" Tom", " Tom.")
    assert not answer_is_correct(" Tommy.", " Tom.")


def test_bad_split_and_counts():
    with pytest.raises(ValueError, match="split"):
        story_qa(3, "test")
    with pytest.raises(ValueError, match="n must be"):
        story_qa(0)


def test_lora_linear_starts_as_the_base_and_freezes_it():
    torch.manual_seed(0)
    base = nn.Linear(6, 4)
    layer = ft.LoRALinear(base, r=2, alpha=4.0)
    x = torch.randn(3, 6)
    assert torch.equal(layer(x), base(x))  # B = 0: no change before training
    assert not base.weight.requires_grad and layer.A.requires_grad and layer.B.requires_grad
    assert layer.scaling == 2.0


@pytest.mark.parametrize("r", [0, 5])
def test_lora_rank_out_of_range_is_named(r):
    with pytest.raises(ValueError, match=r"r must be an integer in \[1, 4\]"):
        ft.LoRALinear(nn.Linear(6, 4), r=r)


def _tiny_hf():
    model = GPT(GPTConfig(vocab_size=40, context_length=16, n_layer=2, n_head=2, d_model=16),
                seed=0)  # fmt: skip
    return to_transformers(model)


def test_peft_bad_rank_and_unknown_target_are_named():
    with pytest.raises(ValueError, match=r"r must be an integer in \[1, 16\]"):
        ft.lora_model(_tiny_hf(), r=17)
    with pytest.raises(ValueError, match=r"r must be"):
        ft.lora_model(_tiny_hf(), r=0)
    with pytest.raises(ValueError, match="targets: the model has no layer named 'q_proj'"):
        ft.lora_model(_tiny_hf(), r=2, targets=("q_proj",))


def test_peft_lora_trains_few_parameters_and_merges_to_the_same_logits():
    model = ft.lora_model(_tiny_hf(), r=2)
    trainable, total = ft.trainable_parameters(model)
    assert 0 < trainable < total
    encoded = [([1, 2, 3, 4, 5], [-100, -100, -100, 4, 5]), ([6, 7, 8], [-100, 7, 8])]
    run = ft.train_steps(model, encoded, steps=3, lr=1e-2, batch_size=2)
    assert len(run["losses"]) == 3
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    model.eval()
    with torch.no_grad():
        adapted = model(input_ids=ids).logits
        merged = model.merge_and_unload()(input_ids=ids).logits
    assert (adapted - merged).abs().max() < 1e-5


def test_example_longer_than_the_context_window_is_named():
    tokenizer = load_tokenizer()
    with pytest.raises(ValueError, match=r"examples\[0\] has \d+ tokens.*context_length=10"):
        ft.encode_examples(story_qa(1), tokenizer, 10)


def test_masked_labels_and_exact_match_mean_greedy_answers():
    assert ft.masked_labels([5, 6], [7, 8]) == [-100, -100, 7, 8]
    tokenizer = load_tokenizer()
    gpt, _ = checkpoints.load("mini-gpt")
    hf = to_transformers(gpt, eos_token_id=tokenizer.eos_id)
    encoded = ft.encode_examples(story_qa(8, "held_out"), tokenizer, 256)
    assert ft.exact_match(hf, encoded) == 0.0  # the pre-trained model does not answer


def test_shipped_adapter_answers_held_out_questions_and_the_study_is_consistent():
    from helpers.studies.finetuning import adapted_model, load_study, task_data

    study = load_study()
    adapter = checkpoints.data_dir() / "story-qa-lora" / "adapter_model.safetensors"
    assert checkpoints.sha256_of(adapter) == study["adapter_sha256"]
    assert study["mini_gpt_sha256"] == checkpoints.load_card("mini-gpt")["sha256"]
    lora, full = study["methods"]["lora"], study["methods"]["full"]
    assert lora["trainable"] / lora["parameters"] < 0.05
    assert max(lora["curve"][-1]["held_out"], full["curve"][-1]["held_out"]) >= 0.85
    assert study["before"]["held_out"] < 0.10
    model, tokenizer = adapted_model()
    held = task_data(tokenizer)["held_out"]
    assert ft.exact_match(model, held) == lora["curve"][-1]["held_out"]


def test_lora_exercise_skeleton_and_odd_answers_give_one_line():
    class MyLoRA(ft.LoRALinear):
        def forward(self, x): ...

    assert evaluate("11.lora_forward", MyLoRA).status == "not attempted"
    assert evaluate("11.lora_forward", MyLoRA(nn.Linear(2, 2), 1)).status == "wrong"

    class Broken(ft.LoRALinear):
        def forward(self, x):
            return x @ self.B @ self.A

    result = evaluate("11.lora_forward", Broken)
    assert result.status == "wrong" and "\n" not in result.message


def test_masked_labels_exercise_skeleton_and_odd_answers():
    def masked_labels(prompt_ids, answer_ids): ...

    assert evaluate("11.masked_labels", masked_labels).status == "not attempted"
    for odd in (lambda p, a: [0], lambda p, a: 1 / 0, lambda p, a: "labels"):
        result = evaluate("11.masked_labels", odd)
        assert result.status == "wrong" and "\n" not in result.message


def test_study_settings_are_json():
    from helpers.studies.finetuning import STUDY

    assert json.loads(json.dumps(STUDY)) == STUDY


def test_minilm_end_to_end_beats_the_frozen_head_on_the_shipped_measure():
    from helpers.studies.finetuning import load_sentiment_study

    study = load_sentiment_study()
    assert study["test_reviews"] == 100
    assert study["end_to_end"]["accuracy"] > study["frozen"]["accuracy"]


@pytest.mark.slow
def test_minilm_end_to_end_reproduces_its_accuracy():
    from helpers.applications.sentiment import load_reviews, train_test_split
    from helpers.studies.finetuning import fine_tune_minilm, load_sentiment_study

    torch.set_num_threads(1)
    split = train_test_split(*load_reviews(), 0.25, 0)
    run = fine_tune_minilm(split)
    assert round(run["accuracy"], 4) == load_sentiment_study()["end_to_end"]["accuracy"]


@pytest.mark.parametrize(("name", "fn"), [("11.masked_labels", "my_masked_labels"),
                                          ("11.lora_setup", "my_lora_setup")])  # fmt: skip
def test_the_notebooks_function_exercises_skeleton_and_solution(name, fn):
    import re

    from course_paths import NOTEBOOKS

    path = next(p for p in NOTEBOOKS if p.name.startswith("11_"))
    cells = json.loads(path.read_text())["cells"]
    call = f'check("{name}", {fn})'
    i = next(i for i, c in enumerate(cells) if "".join(c["source"]).strip() == call)
    skeleton = "".join(cells[i - 1]["source"])
    solution = re.search(r"```python\n(.*?)```", "".join(cells[i + 1]["source"]), re.S).group(1)
    namespace = {"torch": torch, "nn": nn}
    exec(skeleton, namespace)  # noqa: S102  (the course's own notebook code)
    assert evaluate(name, namespace[fn]).status == "not attempted"
    exec(solution, namespace)  # noqa: S102
    assert evaluate(name, namespace[fn]).passed
