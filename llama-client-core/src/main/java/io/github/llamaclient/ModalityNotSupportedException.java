package io.github.llamaclient;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A message holds an image or audio, but the server has no multimodal projector for it: start
 * llama-server with {@code --mmproj FILE} (a projector for the model, with vision or audio), or
 * with {@code -hf} for a model that ships one. Thrown before anything is sent when the client knows
 * the server's modalities ({@link ServerApi#props()}: see {@link
 * LlamaClientBuilder#checkModalities(boolean)}), otherwise when llama-server refuses the request (a
 * 500 saying "image input is not supported"; the {@link LlamaHttpException} is the cause). Either
 * way nothing is generated.
 */
public final class ModalityNotSupportedException extends LlamaException {
  private static final long serialVersionUID = 1L;

  private final String modality;
  private final boolean checkedBeforeSending;

  /**
   * Creates the exception.
   *
   * @param modality {@code image} or {@code audio}
   * @param baseUrl the server, as messages show it
   * @param cause the server's refusal, or null when the client refused before sending
   */
  public ModalityNotSupportedException(String modality, String baseUrl, @Nullable LlamaHttpException cause) {
    super(
        "llama-server at "
            + baseUrl
            + " does not take "
            + modality
            + " input"
            + (cause == null ? " (its /props reports no " + (modality.equals("image") ? "vision" : modality) + "; nothing was sent)" : " (it refused the request: " + cause.serverMessage() + ")")
            + ": start it with --mmproj <projector.gguf> for a model with "
            + (modality.equals("image") ? "vision" : modality)
            + ", or use a text-only message",
        cause);
    this.modality = modality.toLowerCase(Locale.ROOT);
    this.checkedBeforeSending = cause == null;
  }

  /**
   * The input the server does not take.
   *
   * @return {@code image} or {@code audio}
   */
  public String modality() {
    return modality;
  }

  /**
   * The llama-server flag that adds the projector.
   *
   * @return {@code --mmproj}
   */
  public String serverFlag() {
    return "--mmproj";
  }

  /**
   * Whether the client refused before sending (from the server's {@code /props}) rather than the
   * server refusing the request.
   *
   * @return true if nothing was sent
   */
  public boolean checkedBeforeSending() {
    return checkedBeforeSending;
  }
}
