package io.github.llamaclient;

import org.jspecify.annotations.Nullable;

/**
 * What {@code GET /props} says about the server.
 *
 * @param contextSize the context size of one slot ({@code default_generation_settings.n_ctx})
 * @param totalSlots how many requests it serves in parallel ({@code total_slots}, llama-server's
 *     {@code -np})
 * @param modelAlias the model's alias ({@code model_alias})
 * @param modelPath the model file ({@code model_path})
 * @param chatTemplate the chat template, empty if none
 * @param vision whether the model takes images ({@code modalities.vision})
 * @param audio whether the model takes audio ({@code modalities.audio})
 * @param buildInfo the server build ({@code build_info}), or null if not reported
 * @param sleeping whether the server is sleeping ({@code is_sleeping})
 * @param json the whole reply as JSON text, for fields without an accessor
 */
public record ServerProps(
    int contextSize,
    int totalSlots,
    String modelAlias,
    String modelPath,
    String chatTemplate,
    boolean vision,
    boolean audio,
    @Nullable String buildInfo,
    boolean sleeping,
    String json) {}
