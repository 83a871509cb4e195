"""Writes a tiny llama-architecture GGUF model with random weights: 2 layers, 64 wide, a
339-token SentencePiece vocabulary (control tokens, 256 byte tokens, some words and letters) and a
ChatML template. Its replies are noise, but every byte llama-server sends about it is real.

Usage: tiny-model.py GGUF_PY_DIR OUT.gguf   (GGUF_PY_DIR holds the gguf package; needs numpy)
"""
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import gguf
rng = np.random.default_rng(7)
E, L, H, F = 64, 2, 4, 128
tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
scores = [0.0] * 5
for b in range(256):
    tokens.append("<0x%02X>" % b); types.append(gguf.TokenType.BYTE); scores.append(0.0)
words = "the a of to and in is it that for on with as was at by an be this are or from license software copyright permission notice".split()
for i, w in enumerate(words):
    tokens.append("\u2581" + w); types.append(gguf.TokenType.NORMAL); scores.append(-1.0 - i * 0.01)
for c in "abcdefghijklmnopqrstuvwxyz":
    for tok, sc in ((c, -5.0), ("\u2581" + c, -5.5)):
        if tok not in tokens:
            tokens.append(tok); types.append(gguf.TokenType.NORMAL); scores.append(sc)
V = len(tokens)
w = gguf.GGUFWriter(sys.argv[2], "llama")
w.add_name("tiny-random")
w.add_context_length(32768)
w.add_embedding_length(E)
w.add_block_count(L)
w.add_feed_forward_length(F)
w.add_head_count(H)
w.add_head_count_kv(H)
w.add_layer_norm_rms_eps(1e-5)
w.add_rope_dimension_count(E // H)
w.add_file_type(gguf.LlamaFileType.ALL_F32)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
w.add_add_bos_token(True)
w.add_add_eos_token(False)
w.add_chat_template("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
def t(*shape):
    return (rng.standard_normal(shape) * 0.5).astype(np.float32)
w.add_tensor("token_embd.weight", t(V, E))
w.add_tensor("output_norm.weight", np.ones(E, dtype=np.float32))
out = t(V, E)
out[2] *= 0.0  # make </s> unlikely so replies run to max_tokens
w.add_tensor("output.weight", out)
for i in range(L):
    w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(E, dtype=np.float32))
    for n in ("attn_q", "attn_k", "attn_v", "attn_output"):
        w.add_tensor(f"blk.{i}.{n}.weight", t(E, E))
    w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(E, dtype=np.float32))
    w.add_tensor(f"blk.{i}.ffn_gate.weight", t(F, E))
    w.add_tensor(f"blk.{i}.ffn_up.weight", t(F, E))
    w.add_tensor(f"blk.{i}.ffn_down.weight", t(E, F))
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
print("wrote", sys.argv[2], "vocabulary", V)
