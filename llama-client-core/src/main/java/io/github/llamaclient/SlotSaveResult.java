package io.github.llamaclient;

/**
 * The reply of {@code POST /slots/{id}?action=save}.
 *
 * @param slotId the slot
 * @param filename the file written, under the server's {@code --slot-save-path}
 * @param tokensSaved how many tokens of the prompt cache were saved ({@code n_saved})
 * @param bytesWritten the file's size ({@code n_written})
 * @param millis how long it took ({@code timings.save_ms})
 */
public record SlotSaveResult(int slotId, String filename, int tokensSaved, long bytesWritten, double millis) {}
