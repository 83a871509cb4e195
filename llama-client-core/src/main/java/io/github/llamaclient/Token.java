package io.github.llamaclient;

import org.jspecify.annotations.Nullable;

/**
 * One token of {@code POST /tokenize}.
 *
 * @param id the token id
 * @param piece the token's text, or null when pieces were not asked for; when the piece is not
 *     valid UTF-8 on its own (part of a multi-byte character), the server sends its bytes and this
 *     holds them decoded as ISO-8859-1, one char per byte, and {@code bytePiece} is true
 * @param bytePiece whether the server sent the piece as bytes rather than text
 */
public record Token(int id, @Nullable String piece, boolean bytePiece) {}
