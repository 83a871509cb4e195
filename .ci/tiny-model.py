"""Writes a tiny llama-architecture GGUF model with random weights: 2 layers, 64 wide, a
343-token SentencePiece vocabulary (control tokens, 256 byte tokens, some words and letters) and a
ChatML template that supports tools. Its replies are noise, but every byte llama-server sends about
it is real.

A few weights are set by hand so that it calls tools, as a real model would, in the tool loop:
- residual dimension 0 is a constant (nothing writes to it): a bias on the output, which keeps
  bytes 0x80-0xFF and control characters out of the replies (llama-server fails on invalid UTF-8
  once it parses tool calls);
- "<tool_call>" (then "\n") is the first token of a reply when tools are offered and no tool result is in the
  conversation yet, and never otherwise: dimension 1 marks the token "assistant\n" that ends the
  generation prompt; dimensions 4 and 2 are written by two attention heads of layer 0 (2 and 3)
  that look back for the tokens "<tools>" (the template lists the tools after it) and
  "<tool_response>" (a tool result). So the model calls a tool, reads the result, then answers in
  text. A third head (1) marks the positions after "<tool_call>" (dimension 6): there '"' is
  likely, so the JSON strings of a call end soon. The heads use their slowest RoPE pair with a huge
  frequency base, so where the token they look for sits does not matter.
With tools and tool_choice "required", llama-server's grammar keeps the call well-formed (a reply
cut by max_tokens still cuts it). ("<tool_call>\n" must not be one token: llama-server refuses a
grammar trigger word that is a single token not marked as preserved.)

Fill-in-the-middle: the FIM token ids name "<tool_call>", "<tool_response>" and "<tools>" as prefix,
suffix and middle (metadata only: the vocabulary and the weights stay as they are), so /infill answers.
With a third argument it also writes a random rank-4 LoRA adapter for the model (attn_q of both
layers) there, for --lora.

Usage: tiny-model.py GGUF_PY_DIR OUT.gguf [LORA_OUT.gguf]   (GGUF_PY_DIR holds the gguf package; needs numpy)
"""
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import gguf
rng = np.random.default_rng(7)
E, L, H, F = 64, 2, 4, 128
tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "assistant\n", "<tool_call>", "<tool_response>", "<tools>"]
types = [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * 4 + [gguf.TokenType.USER_DEFINED] * 4
scores = [0.0] * len(tokens)
ASSISTANT, TOOL_CALL, TOOL_RESPONSE, TOOLS = 5, 6, 7, 8
BYTE0 = len(tokens)
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
w.add_rope_freq_base(1e9)
w.add_file_type(gguf.LlamaFileType.ALL_F32)
w.add_tokenizer_model("llama")
w.add_token_list(tokens)
w.add_token_scores(scores)
w.add_token_types(types)
w.add_bos_token_id(1)
w.add_eos_token_id(2)
w.add_unk_token_id(0)
w.add_uint32(gguf.Keys.Tokenizer.FIM_PRE_ID, TOOL_CALL)
w.add_uint32(gguf.Keys.Tokenizer.FIM_SUF_ID, TOOL_RESPONSE)
w.add_uint32(gguf.Keys.Tokenizer.FIM_MID_ID, TOOLS)
w.add_add_bos_token(True)
w.add_add_eos_token(False)
w.add_add_space_prefix(False)  # no space after a control token: the grammar matches the prompt's text
# ChatML with tools: the tools in the system message, calls as <tool_call>{"name":..,"arguments":..}</tool_call>,
# results as <tool_response> in a user turn
w.add_chat_template("""{%- if messages[0].role == 'system' %}{% set sys = messages[0].content %}{% else %}{% set sys = '' %}{% endif %}
{%- if tools %}<|im_start|>system
{% if sys %}{{ sys }}

{% endif %}You may call one or more functions. Their signatures:
<tools>
{% for t in tools %}{{ t | tojson }}
{% endfor %}</tools>
For each call, reply with a JSON object holding the name and the arguments, in tags:
<tool_call>
{"name": <function-name>, "arguments": <args-json-object>}
</tool_call><|im_end|>
{% elif sys %}<|im_start|>system
{{ sys }}<|im_end|>
{% endif %}
{%- for m in messages %}
{%- if m.role == 'system' and loop.first %}
{%- elif m.role == 'assistant' %}<|im_start|>assistant
{% if m.tool_calls %}{% for tc in m.tool_calls %}{% if not loop.first %}
{% endif %}<tool_call>
{"name": "{{ tc.function.name }}", "arguments": {{ tc.function.arguments | tojson }}}
</tool_call>{% endfor %}{% else %}{{ m.content }}{% endif %}<|im_end|>
{% elif m.role == 'tool' %}<|im_start|>user
<tool_response>
{{ m.content }}
</tool_response><|im_end|>
{% else %}<|im_start|>{{ m.role }}
{{ m.content }}<|im_end|>
{% endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|im_start|>assistant
{% endif %}""")
def t(*shape):
    return (rng.standard_normal(shape) * 0.5).astype(np.float32)
# the hand-set residual dimensions (indices into a position's vector): nothing writes to them but the two heads below
CONST, IS_ASSISTANT, SAW_RESPONSE, IS_RESPONSE, OFFERED, IS_TOOLS, IN_CALL, IS_CALL = range(8)
N = 8
emb = t(V, E)
emb[:, :N] = 0.0
emb[:, CONST] = 1.0
emb[ASSISTANT, IS_ASSISTANT] = 1.0
emb[TOOL_RESPONSE, IS_RESPONSE] = 1.0
emb[TOOLS, IS_TOOLS] = 1.0
emb[TOOL_CALL, IS_CALL] = 1.0
w.add_tensor("token_embd.weight", emb)
w.add_tensor("output_norm.weight", np.ones(E, dtype=np.float32))
out = t(V, E)
out[:, :N] = 0.0
out[2] *= 0.0  # make </s> unlikely so replies run to max_tokens
for b in list(range(0x00, 0x09)) + list(range(0x0B, 0x20)) + list(range(0x7F, 0x100)):
    out[BYTE0 + b, CONST] = -60.0  # control characters and non-ASCII bytes: never
out[0:2, CONST] = -60.0  # nor <unk> and <s>
out[BYTE0 + ord("\n"), IS_CALL] = 100.0  # "<tool_call>" is followed by a newline, as the template writes it
out[BYTE0 + ord('"'), IN_CALL] = 30.0  # in a call, before any result: strings end soon
out[BYTE0 + ord('"'), SAW_RESPONSE] = -30.0
# (all of a position's dimensions share one scale, 1/rms, so the sign of this sum decides)
out[TOOL_CALL, CONST] = -300.0
out[TOOL_CALL, IS_ASSISTANT] = 200.0
out[TOOL_CALL, OFFERED] = 200.0
out[TOOL_CALL, SAW_RESPONSE] = -800.0
w.add_tensor("output.weight", out)
D = E // H
for i in range(L):
    w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(E, dtype=np.float32))
    q, k, v, o = t(E, E), t(E, E), t(E, E), t(E, E) * 0.01  # small writes: the residual stays near the embedding's scale, so the hand-set dimensions weigh
    o[:N, :] = 0.0
    if i == 0:
        for head, find, mark in ((1, IS_CALL, IN_CALL), (2, IS_TOOLS, OFFERED), (3, IS_RESPONSE, SAW_RESPONSE)):
            h = slice(head * D, (head + 1) * D)
            q[h, :] = 0.0; k[h, :] = 0.0; v[h, :] = 0.0; o[:, h] = 0.0
            r = (head + 1) * D - 2  # the slowest RoPE pair: with the frequency base above it hardly turns
            q[r, CONST] = 20.0  # every position asks...
            k[r, find] = 20.0  # ...for the marked token, which alone has a key
            v[r, find] = 20.0
            o[mark, r] = 1.0 / 38  # about 1 where the token was seen (its normalized mark is about 1.9)
    w.add_tensor(f"blk.{i}.attn_q.weight", q)
    w.add_tensor(f"blk.{i}.attn_k.weight", k)
    w.add_tensor(f"blk.{i}.attn_v.weight", v)
    w.add_tensor(f"blk.{i}.attn_output.weight", o)
    w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(E, dtype=np.float32))
    down = t(E, F) * 0.01
    down[:N, :] = 0.0
    w.add_tensor(f"blk.{i}.ffn_gate.weight", t(F, E))
    w.add_tensor(f"blk.{i}.ffn_up.weight", t(F, E))
    w.add_tensor(f"blk.{i}.ffn_down.weight", down)
w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
print("wrote", sys.argv[2], "vocabulary", V)
if len(sys.argv) > 3:
    lora_rng = np.random.default_rng(11)  # its own generator: the model's weights above stay the same
    R = 4
    a = gguf.GGUFWriter(sys.argv[3], "llama")
    a.add_type("adapter")
    a.add_string("adapter.type", "lora")
    a.add_float32("adapter.lora.alpha", 4.0)
    a.add_name("tiny-lora")
    for i in range(L):
        a.add_tensor(f"blk.{i}.attn_q.weight.lora_a", (lora_rng.standard_normal((R, E)) * 0.1).astype(np.float32))
        a.add_tensor(f"blk.{i}.attn_q.weight.lora_b", (lora_rng.standard_normal((E, R)) * 0.1).astype(np.float32))
    a.write_header_to_file(); a.write_kv_data_to_file(); a.write_tensors_to_file(); a.close()
    print("wrote", sys.argv[3])
