/** A Spring Boot chat application on llama-client-spring-boot-starter. */
@NullMarked
package io.github.llamaclient.examples.spring;

import org.jspecify.annotations.NullMarked;
