"""What pretrained transformers are used for (notebook 10), one application per module.

- sentiment: review sentiment from MiniLM sentence embeddings and a linear head;
- ner: named entities in tiny tales from MiniLM word vectors and a linear head;
- linear_head: the small classifier both train on frozen features;
- retrieval_qa: questions answered by retrieving the closest passage;
- chat_template: how a chat becomes one prompt string for a language model;
- foundation_models: hosted foundation models (Amazon Bedrock), offline by default;
- online_pipelines: optional transformers pipelines from the model hub.
"""
