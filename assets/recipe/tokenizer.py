"""A word-level tokenizer over the caption vocabulary, saved in the Hugging Face `tokenizers` format.

Encoding mirrors what the `tokenizers` library does with the saved tokenizer.json (Lowercase
normaliser, Whitespace pre-tokeniser = regex \\w+|[^\\w\\s]+, WordLevel model with an unknown
token), then adds BOS/EOS and pads with EOS to 77 positions as SD 1.5's CLIP tokenizer does.
The special tokens take the last ids, as in CLIP's vocabulary, so EOS has the highest id.
"""
import json
import os
import re

import scenes

MAX_LENGTH = 77
UNK, BOS, EOS = "<|unk|>", "<|startoftext|>", "<|endoftext|>"
_PRE_TOKENIZE = re.compile(r"\w+|[^\w\s]+")


class WordTokenizer:
    def __init__(self, words=None):
        words = list(words if words is not None else scenes.all_words())
        self.vocab = {w: i for i, w in enumerate(words)}
        for special in (UNK, BOS, EOS):
            self.vocab[special] = len(self.vocab)
        self.unk_id, self.bos_id, self.eos_id = (self.vocab[t] for t in (UNK, BOS, EOS))

    def __len__(self):
        return len(self.vocab)

    def tokens(self, text):
        return _PRE_TOKENIZE.findall(text.lower())

    def encode(self, text):
        """Ids padded to 77: BOS, words (truncated), EOS, then EOS as padding."""
        return self.encode_tokens(self.tokens(text))

    def encode_tokens(self, tokens):
        """encode() for a caption already split by tokens()."""
        ids = [self.vocab.get(t, self.unk_id) for t in tokens][: MAX_LENGTH - 2]
        ids = [self.bos_id] + ids + [self.eos_id]
        return ids + [self.eos_id] * (MAX_LENGTH - len(ids))

    def save(self, folder):
        os.makedirs(folder, exist_ok=True)
        added = [{"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False,
                  "rstrip": False, "normalized": False, "special": True} for t in (UNK, BOS, EOS)]
        tokenizer_json = {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            # No post-processor: the pipeline adds BOS/EOS and pads, as it does for CLIP.
            "post_processor": None,
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": self.vocab, "unk_token": UNK},
        }
        special = {"bos_token": BOS, "eos_token": EOS, "pad_token": EOS, "unk_token": UNK}
        config = {"model_max_length": MAX_LENGTH, "do_lower_case": True, **special,
                  "tokenizer_class": "PreTrainedTokenizerFast"}
        for name, obj in (("tokenizer.json", tokenizer_json), ("tokenizer_config.json", config),
                          ("special_tokens_map.json", special)):
            with open(os.path.join(folder, name), "w") as f:
                json.dump(obj, f, indent=1)
                f.write("\n")
