"""The measurements behind the notebooks' plots, one study per module.

- seq2seq: the translators of notebooks 02-03: accuracy by length and position, timing,
  attention's focus, the bottleneck studies (data/seq2seq-studies.json);
- sample_quality: how good sampled text is (known words, grammatical sentences, distinct
  n-grams) and the temperature x top-p trade-off of notebook 09 (data/sampling-tradeoff.json);
- word_senses: one word, several meanings, in static and contextual embeddings (notebook 04);
- parallelism: self-attention reads all tokens at once, a GRU one after another (notebook 05).
"""
