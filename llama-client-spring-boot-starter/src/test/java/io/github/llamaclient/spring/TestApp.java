package io.github.llamaclient.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/**
 * An empty application: everything the tests use comes from the starter's auto-configuration (no
 * component scan, which would find the starter's own controllers in this package).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class TestApp {}
