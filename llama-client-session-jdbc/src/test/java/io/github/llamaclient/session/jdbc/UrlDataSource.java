package io.github.llamaclient.session.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source over a JDBC URL that keeps closed connections for the next caller, as a pool would
 * (a new PostgreSQL connection forks a server process: too slow to open per statement on a loaded
 * machine). Tests only: no validation, no limit; {@link #close()} closes the idle ones.
 */
final class UrlDataSource implements DataSource, AutoCloseable {
  private final String url;
  private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();

  UrlDataSource(String url) {
    this.url = url;
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection real = idle.poll();
    if (real == null) {
      real = DriverManager.getConnection(url);
    }
    Connection c = real;
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new InvocationHandler() {
              private boolean closed;

              @Override
              public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
                if (m.getName().equals("close") && m.getParameterCount() == 0) {
                  if (!closed) {
                    closed = true;
                    if (!c.getAutoCommit()) {
                      c.rollback();
                      c.setAutoCommit(true);
                    }
                    idle.add(c);
                  }
                  return null;
                }
                if (m.getName().equals("isClosed") && m.getParameterCount() == 0) {
                  return closed;
                }
                try {
                  return m.invoke(c, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              }
            });
  }

  @Override
  public void close() throws SQLException {
    for (Connection c; (c = idle.poll()) != null; ) {
      c.close();
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return DriverManager.getConnection(url, username, password);
  }

  @Override
  public PrintWriter getLogWriter() {
    return new PrintWriter(System.err, true);
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {
    DriverManager.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() {
    return DriverManager.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return false;
  }
}
