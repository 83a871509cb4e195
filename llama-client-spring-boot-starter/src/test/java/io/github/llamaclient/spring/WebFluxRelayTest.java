package io.github.llamaclient.spring;

import org.springframework.boot.test.context.SpringBootTest;

/** The relay's contract on WebFlux (Reactor Netty, {@code Flux<ServerSentEvent>}). */
@SpringBootTest(
    classes = TestApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "spring.main.web-application-type=reactive")
class WebFluxRelayTest extends RelayContract {}
