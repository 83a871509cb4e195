/** Sessions in a PostgreSQL database, shared by several processes: {@link JdbcSessionStore}. */
@NullMarked
package io.github.llamaclient.session.jdbc;

import org.jspecify.annotations.NullMarked;
