package io.github.llamaclient;

/**
 * The reply of {@code POST /slots/{id}?action=restore}.
 *
 * @param slotId the slot
 * @param filename the file read, under the server's {@code --slot-save-path}
 * @param tokensRestored how many tokens of the prompt cache were restored ({@code n_restored})
 * @param bytesRead the bytes read ({@code n_read})
 * @param millis how long it took ({@code timings.restore_ms})
 */
public record SlotRestoreResult(int slotId, String filename, int tokensRestored, long bytesRead, double millis) {}
