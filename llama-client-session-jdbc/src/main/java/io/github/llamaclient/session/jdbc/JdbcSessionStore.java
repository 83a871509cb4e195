package io.github.llamaclient.session.jdbc;

import io.github.llamaclient.session.SessionConflictException;
import io.github.llamaclient.session.SessionFormat;
import io.github.llamaclient.session.SessionState;
import io.github.llamaclient.session.SessionStoreException;
import io.github.llamaclient.session.SharedSessionStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Sessions in a PostgreSQL database, shared by every process that builds a store over the same
 * tables: a web backend's instances behind a load balancer can serve the same conversation. Pass it
 * to {@code SessionManager.builder(client).store(store)}.
 *
 * <pre>{@code
 * JdbcSessionStore store = JdbcSessionStore.builder(dataSource).build(); // creates the tables if missing
 * SessionManager sessions = SessionManager.builder(client).store(store).build();
 * }</pre>
 *
 * <p><b>What it guarantees.</b> One turn at a time per session across processes: a turn runs under
 * the session's lease (a row in {@code <prefix>session_leases}); a process that finds the lease
 * held behaves as its manager's {@code WhenBusy} says. A turn commits only if nobody wrote the
 * session since the turn read it ({@code revision} compare-and-set, in one transaction with a check
 * that the lease is still held), so two processes never lose or duplicate a turn; the loser gets
 * {@link SessionConflictException} and nothing of its turn is written. Leases are renewed every
 * third of {@linkplain Builder#leaseTime(Duration) the lease time} while held, so a long turn keeps
 * its lease and a killed process's lease expires within one lease time; the turn it was running is
 * lost, nothing else. Lease times compare the processes' clocks: keep them in step (NTP) to well
 * under the lease time.
 *
 * <p><b>What it costs.</b> Per turn: one statement to take the lease, one read, one transaction of
 * three statements to commit, one to give the lease back, each on a connection from the {@link
 * DataSource} (use a pool). A turn that waits for another process's lease tries again every 20 ms.
 *
 * <p><b>Format and schema.</b> A session is stored as the versioned JSON of {@link SessionFormat}
 * (the directory store's format), in a {@code text} column. {@link Builder#build()} creates the
 * tables if missing and checks their version, under an advisory lock, so processes may start
 * together; tables of a newer version fail the build with {@link SessionSchemaException}.
 *
 * <p>Thread-safe. {@link #close()} stops the lease renewal; it does not close the data source.
 */
public final class JdbcSessionStore implements SharedSessionStore, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(JdbcSessionStore.class.getName());
  /** The version of the tables this class writes. */
  static final int SCHEMA_VERSION = 1;

  private static final Pattern PREFIX = Pattern.compile("[a-z_][a-z0-9_]{0,39}");
  private static final long MIGRATION_LOCK = 0x6c6c616d61L; // "llama": the advisory lock of the schema

  private final DataSource data;
  private final String sessions;
  private final String leases;
  private final Duration leaseTime;
  private final Clock clock;
  private final Set<JdbcLease> held = ConcurrentHashMap.newKeySet();
  private final String instance = UUID.randomUUID().toString();
  private final java.util.concurrent.atomic.AtomicLong leaseCount = new java.util.concurrent.atomic.AtomicLong();
  private final ScheduledExecutorService renewer;

  private JdbcSessionStore(Builder b) {
    this.data = b.data;
    this.sessions = b.prefix + "sessions";
    this.leases = b.prefix + "session_leases";
    this.leaseTime = b.leaseTime;
    this.clock = b.clock;
    migrate(b.prefix);
    ScheduledThreadPoolExecutor r =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "llama-session-leases");
              t.setDaemon(true);
              return t;
            });
    r.setRemoveOnCancelPolicy(true);
    long every = Math.max(1, leaseTime.toMillis() / 3);
    r.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    this.renewer = r;
  }

  /**
   * A builder for a store over {@code data}.
   *
   * @param data where connections come from (a pool, for anything but tests); not closed by the
   *     store
   * @return the builder, with the defaults: tables named {@code llama_sessions} and {@code
   *     llama_session_leases}, a lease time of 30 s, the system clock
   */
  public static Builder builder(DataSource data) {
    return new Builder(Objects.requireNonNull(data, "data"));
  }

  private void migrate(String prefix) {
    String schema = prefix + "schema";
    try (Connection c = data.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
        st.execute("CREATE TABLE IF NOT EXISTS " + schema + " (name TEXT PRIMARY KEY, version INT NOT NULL)");
        Integer version = null;
        try (PreparedStatement q = c.prepareStatement("SELECT version FROM " + schema + " WHERE name = ?")) {
          q.setString(1, sessions);
          try (ResultSet rs = q.executeQuery()) {
            if (rs.next()) {
              version = rs.getInt(1);
            }
          }
        }
        if (version != null && version > SCHEMA_VERSION) {
          throw new SessionSchemaException(
              "the table " + sessions + " is of schema version " + version + ", newer than this library's ("
                  + SCHEMA_VERSION + "): use the llama-client version that created it, or a newer one",
              null);
        }
        st.execute(
            "CREATE TABLE IF NOT EXISTS " + sessions
                + " (id TEXT PRIMARY KEY, revision BIGINT NOT NULL, state TEXT NOT NULL, updated_at_ms BIGINT NOT NULL)");
        st.execute(
            "CREATE TABLE IF NOT EXISTS " + leases
                + " (id TEXT PRIMARY KEY, owner TEXT NOT NULL, until_ms BIGINT NOT NULL)");
        if (version == null) {
          try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + schema + " (name, version) VALUES (?, ?)")) {
            ins.setString(1, sessions);
            ins.setInt(2, SCHEMA_VERSION);
            ins.executeUpdate();
          }
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new SessionSchemaException("cannot create or check the session tables " + sessions + " and " + leases + ": " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------- SessionStore

  @Override
  public Optional<SessionState> load(String id) {
    try (Connection c = data.getConnection();
        PreparedStatement q = c.prepareStatement("SELECT state FROM " + sessions + " WHERE id = ?")) {
      q.setString(1, id);
      try (ResultSet rs = q.executeQuery()) {
        return rs.next() ? Optional.of(parse(id, rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure(id, "cannot read", e);
    }
  }

  /**
   * Writes a session whatever another process did with it (no lease, no revision check): for
   * imports and tools. The {@code SessionManager} commits its turns through a {@link Lease} instead.
   */
  @Override
  public void save(SessionState state) {
    try (Connection c = data.getConnection();
        PreparedStatement u =
            c.prepareStatement(
                "INSERT INTO " + sessions + " (id, revision, state, updated_at_ms) VALUES (?, 1, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, revision = " + sessions
                    + ".revision + 1, updated_at_ms = EXCLUDED.updated_at_ms")) {
      u.setString(1, state.id());
      u.setString(2, json(state));
      u.setLong(3, clock.millis());
      u.executeUpdate();
    } catch (SQLException e) {
      throw failure(state.id(), "cannot write", e);
    }
  }

  @Override
  public void delete(String id) {
    try (Connection c = data.getConnection();
        PreparedStatement d = c.prepareStatement("DELETE FROM " + sessions + " WHERE id = ?")) {
      d.setString(1, id);
      d.executeUpdate();
    } catch (SQLException e) {
      throw failure(id, "cannot delete", e);
    }
  }

  @Override
  public List<String> ids() {
    try (Connection c = data.getConnection();
        Statement q = c.createStatement();
        ResultSet rs = q.executeQuery("SELECT id FROM " + sessions)) {
      List<String> ids = new ArrayList<>();
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
      return ids;
    } catch (SQLException e) {
      throw failure("", "cannot list the sessions of", e);
    }
  }

  // ---------------------------------------------------------------- leases

  /** This store's id: the prefix of the lease owners it writes ({@code instance/n}). */
  String instance() {
    return instance;
  }

  @Override
  public Optional<Lease> tryLease(String id) {
    String owner = instance + "/" + Long.toHexString(leaseCount.incrementAndGet());
    long now = clock.millis();
    try (Connection c = data.getConnection();
        PreparedStatement u =
            c.prepareStatement(
                "INSERT INTO " + leases + " (id, owner, until_ms) VALUES (?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, until_ms = EXCLUDED.until_ms"
                    + " WHERE " + leases + ".until_ms < ?")) {
      u.setString(1, id);
      u.setString(2, owner);
      u.setLong(3, now + leaseTime.toMillis());
      u.setLong(4, now);
      if (u.executeUpdate() == 0) {
        return Optional.empty();
      }
    } catch (SQLException e) {
      throw failure(id, "cannot take the lease of", e);
    }
    JdbcLease lease = new JdbcLease(id, owner);
    held.add(lease);
    return Optional.of(lease);
  }

  /** Renews every lease this store holds (run every third of the lease time; tests call it). */
  void renew() {
    for (JdbcLease l : held) {
      try (Connection c = data.getConnection();
          PreparedStatement u = c.prepareStatement("UPDATE " + leases + " SET until_ms = ? WHERE id = ? AND owner = ?")) {
        u.setLong(1, clock.millis() + leaseTime.toMillis());
        u.setString(2, l.id);
        u.setString(3, l.owner);
        if (u.executeUpdate() == 0) {
          held.remove(l); // lost (expired and taken): its save fails with a conflict
        }
      } catch (SQLException | RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "renewing the lease of session ''{0}'' failed (tried again): {1}", l.id, e.toString());
      }
    }
  }

  /** Stops renewing leases (those still held expire by themselves). Does not close the data source. */
  @Override
  public void close() {
    renewer.shutdownNow();
  }

  private final class JdbcLease implements Lease {
    final String id;
    final String owner;
    private long revision = -1; // unknown until load(); 0: the session did not exist
    private boolean closed;

    JdbcLease(String id, String owner) {
      this.id = id;
      this.owner = owner;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public Optional<SessionState> load() {
      try (Connection c = data.getConnection();
          PreparedStatement q = c.prepareStatement("SELECT revision, state FROM " + sessions + " WHERE id = ?")) {
        q.setString(1, id);
        try (ResultSet rs = q.executeQuery()) {
          if (!rs.next()) {
            revision = 0;
            return Optional.empty();
          }
          revision = rs.getLong(1);
          return Optional.of(parse(id, rs.getString(2)));
        }
      } catch (SQLException e) {
        throw failure(id, "cannot read", e);
      }
    }

    @Override
    public void save(SessionState state) {
      if (!state.id().equals(id)) {
        throw new IllegalArgumentException("this lease is for session '" + id + "', not '" + state.id() + "'");
      }
      if (revision < 0) {
        throw new IllegalStateException("load() the session under this lease before saving it");
      }
      long now = clock.millis();
      try (Connection c = data.getConnection()) {
        c.setAutoCommit(false);
        try {
          try (PreparedStatement q = c.prepareStatement("SELECT until_ms FROM " + leases + " WHERE id = ? AND owner = ? FOR UPDATE")) {
            q.setString(1, id);
            q.setString(2, owner);
            try (ResultSet rs = q.executeQuery()) {
              if (!rs.next() || rs.getLong(1) < now) {
                throw new SessionConflictException(
                    id, "session '" + id + "' was not saved: its lease expired (another process may run it now); nothing was written");
              }
            }
          }
          int written;
          if (revision == 0) {
            try (PreparedStatement i =
                c.prepareStatement(
                    "INSERT INTO " + sessions + " (id, revision, state, updated_at_ms) VALUES (?, 1, ?, ?) ON CONFLICT (id) DO NOTHING")) {
              i.setString(1, id);
              i.setString(2, json(state));
              i.setLong(3, now);
              written = i.executeUpdate();
            }
          } else {
            try (PreparedStatement u =
                c.prepareStatement(
                    "UPDATE " + sessions + " SET state = ?, revision = revision + 1, updated_at_ms = ? WHERE id = ? AND revision = ?")) {
              u.setString(1, json(state));
              u.setLong(2, now);
              u.setString(3, id);
              u.setLong(4, revision);
              written = u.executeUpdate();
            }
          }
          if (written == 0) {
            throw new SessionConflictException(
                id, "session '" + id + "' was not saved: another process wrote or deleted it since this turn read it; nothing was written");
          }
          try (PreparedStatement u = c.prepareStatement("UPDATE " + leases + " SET until_ms = ? WHERE id = ? AND owner = ?")) {
            u.setLong(1, now + leaseTime.toMillis());
            u.setString(2, id);
            u.setString(3, owner);
            u.executeUpdate();
          }
          c.commit();
          revision++;
        } catch (SQLException | RuntimeException e) {
          rollback(c);
          throw e;
        }
      } catch (SQLException e) {
        throw failure(id, "cannot write", e);
      }
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      held.remove(this);
      try (Connection c = data.getConnection();
          PreparedStatement d = c.prepareStatement("DELETE FROM " + leases + " WHERE id = ? AND owner = ?")) {
        d.setString(1, id);
        d.setString(2, owner);
        d.executeUpdate();
      } catch (SQLException | RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "giving back the lease of session ''{0}'' failed; it expires by itself: {1}", id, e.toString());
      }
    }
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // the connection is broken: closing it discards the transaction
    }
  }

  private static String json(SessionState s) {
    return new String(SessionFormat.write(s), StandardCharsets.UTF_8);
  }

  private SessionState parse(String id, @Nullable String json) {
    if (json == null) {
      throw new SessionStoreException(id, null, "session '" + id + "' in " + sessions + " has no state", null);
    }
    try {
      return SessionFormat.read(json.getBytes(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new SessionStoreException(id, null, "session '" + id + "' in " + sessions + " cannot be read: " + e.getMessage(), e);
    }
  }

  private SessionStoreException failure(String id, String what, SQLException e) {
    String whose = id.isEmpty() ? "" : "session '" + id + "' in ";
    return new SessionStoreException(id, null, what + " " + whose + sessions + ": " + e.getMessage(), e);
  }

  /** Settings of a {@link JdbcSessionStore}. */
  public static final class Builder {
    private final DataSource data;
    private String prefix = "llama_";
    private Duration leaseTime = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();

    private Builder(DataSource data) {
      this.data = data;
    }

    /**
     * The tables' name prefix: {@code <prefix>sessions}, {@code <prefix>session_leases}, {@code
     * <prefix>schema}.
     *
     * @param prefix 1 to 40 characters of {@code a-z 0-9 _}, not starting with a digit
     * @return this builder
     * @throws IllegalArgumentException if the prefix is not of that form
     */
    public Builder tablePrefix(String prefix) {
      if (!PREFIX.matcher(Objects.requireNonNull(prefix, "prefix")).matches()) {
        throw new IllegalArgumentException(
            "tablePrefix must be 1 to 40 characters of a-z, 0-9 and _, not starting with a digit, was '" + prefix + "'");
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * How long a lease lasts unless renewed (every third of it, while held): the longest a killed
     * process keeps its sessions busy for the others.
     *
     * @param leaseTime at least 1 second
     * @return this builder
     * @throws IllegalArgumentException if shorter than 1 second
     */
    public Builder leaseTime(Duration leaseTime) {
      if (leaseTime.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("leaseTime must be at least 1 s, was " + leaseTime);
      }
      this.leaseTime = leaseTime;
      return this;
    }

    /**
     * The clock that leases are timed with (tests pass one they can advance).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the tables if missing (or checks them) and starts renewing leases.
     *
     * @return the store; close it when done
     * @throws SessionSchemaException if the tables cannot be created or checked, or are of a newer
     *     version
     */
    public JdbcSessionStore build() {
      return new JdbcSessionStore(this);
    }
  }
}
