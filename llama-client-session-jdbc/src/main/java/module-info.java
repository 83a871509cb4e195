/**
 * A {@link io.github.llamaclient.session.SharedSessionStore} on PostgreSQL through JDBC, for
 * sessions served by several processes. Start at {@link
 * io.github.llamaclient.session.jdbc.JdbcSessionStore}.
 */
@org.jspecify.annotations.NullMarked
module io.github.llamaclient.session.jdbc {
  requires transitive io.github.llamaclient.session;
  requires transitive java.sql;
  requires static org.jspecify;

  exports io.github.llamaclient.session.jdbc;
}
