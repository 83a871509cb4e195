/** The MQTT bridge: requests on a topic, replies streamed as numbered chunks to each requester's MQTT 5 response topic. */
@NullMarked
package io.github.llamaclient.examples.mqtt;

import org.jspecify.annotations.NullMarked;
