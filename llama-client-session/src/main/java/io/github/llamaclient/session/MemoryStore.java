package io.github.llamaclient.session;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** {@link SessionStore#inMemory()}. */
final class MemoryStore implements SessionStore {
  private final ConcurrentMap<String, SessionState> sessions = new ConcurrentHashMap<>();

  @Override
  public Optional<SessionState> load(String id) {
    return Optional.ofNullable(sessions.get(id));
  }

  @Override
  public void save(SessionState state) {
    sessions.put(state.id(), state);
  }

  @Override
  public void delete(String id) {
    sessions.remove(id);
  }

  @Override
  public List<String> ids() {
    return List.copyOf(sessions.keySet());
  }

  @Override
  public String toString() {
    return "SessionStore.inMemory[" + sessions.size() + " sessions]";
  }
}
